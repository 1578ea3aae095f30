// Commands over REST. Answers are not written into the store: the resulting state comes
// back as socket events to every open dashboard, this one included.
import { getToken, tokenRefused } from './auth'
import type { components } from './api-schema'
import type {
  AppConfig,
  AppsList,
  AssetInfo,
  Assets,
  BoardPage,
  BoardQuery,
  CarouselConfig,
  CarouselEntry,
  CreateAppBody,
  CurrentApp,
  ErrorDetail,
  ErrorResponse,
  Night,
  NightBody,
  NotificationState,
  NotifyBody,
  Realtime,
  Settings,
  SettingsBody,
  Transition,
} from './types'

export type { ErrorDetail } from './types'

type Schemas = components['schemas']

/** The api refused (status ≥ 400, `{success: false, error, details}`) or could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /** The field names the details point at (the names in each `loc`, "body" left out). */
  get fields(): string[] {
    return this.details.flatMap((d) =>
      (d.loc ?? []).filter((p): p is string => typeof p === 'string' && p !== 'body'),
    )
  }

  /** Each detail as "field: message", the field path without pydantic's "body" prefix. */
  get lines(): string[] {
    return this.details.map((d) => {
      const path = (d.loc ?? []).filter((p) => p !== 'body').join('.')
      return path ? `${path}: ${d.msg}` : d.msg
    })
  }
}

let board: string | null = null

/** Address commands to `id` (`/api/boards/<id>/…`), or to the api's default board (null). */
export function setApiBoard(id: string | null): void {
  board = id
}

function boardPath(path: string): string {
  return board ? `/api/boards/${encodeURIComponent(board)}${path}` : `/api${path}`
}

/** The token as an Authorization header, when this browser has one. */
function authHeaders(): Record<string, string> {
  const token = getToken()
  return token ? { Authorization: `Bearer ${token}` } : {}
}

async function send(method: string, url: string, headers: Record<string, string>, body?: BodyInit) {
  try {
    return await fetch(url, { method, headers: { ...headers, ...authHeaders() }, body })
  } catch {
    throw new ApiError(0, 'The api cannot be reached.')
  }
}

/** The refusal of a non-2xx answer (or a `success: false` body), read from its JSON. */
function refusal(
  response: Response,
  data: Partial<Omit<ErrorResponse, 'success'>> | null,
): ApiError {
  const message = data?.error ?? `The api answered ${response.status} ${response.statusText}.`
  if (response.status === 401) tokenRefused(message)
  return new ApiError(response.status, message, Array.isArray(data?.details) ? data.details : [])
}

/** A JSON command or read; a FormData body goes as multipart (the browser sets its boundary). */
async function request<T>(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let payload: BodyInit | undefined
  if (body instanceof FormData) {
    payload = body
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  const response = await send(method, url, headers, payload)
  const data = (await response.json().catch(() => null)) as
    (T & { success?: boolean } & Partial<Omit<ErrorResponse, 'success'>>) | null
  if (!response.ok || !data || data.success === false) throw refusal(response, data)
  return data
}

/** The bytes of a library image, fetched with the token (an <img src> could not send it). */
async function image(url: string): Promise<Blob> {
  const response = await send('GET', url, { Accept: 'image/*' })
  if (!response.ok) {
    const data = (await response.json().catch(() => null)) as Partial<ErrorResponse> | null
    throw refusal(response, data)
  }
  return response.blob()
}

/** Where a library image is served for the followed board. */
export function assetPath(name: string): string {
  return boardPath(`/assets/${encodeURIComponent(name)}`)
}

/** `?name=value&…` of the parameters that are set (an empty prefix filters nothing). */
function search(query: BoardQuery): string {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

/** POST /carousel's body: an omitted (or null) field keeps its value. */
export type CarouselBody = Partial<Omit<Schemas['CarouselBody'], 'apps'>> & {
  apps?: CarouselEntry[]
}

export const api = {
  /** A page of the board list; unset (and empty-prefix) parameters are left out. */
  boards: (query: BoardQuery = {}) => request<BoardPage>('GET', `/api/boards${search(query)}`),
  switchApp: (app: string, config?: AppConfig) =>
    request<CurrentApp>('POST', boardPath('/switch'), config ? { app, config } : { app }),
  stop: () => request<CurrentApp>('POST', boardPath('/stop')),
  saveConfig: (app: string, config: AppConfig) =>
    request<Schemas['AppConfigResponse']>(
      'POST',
      boardPath(`/apps/${encodeURIComponent(app)}/config`),
      config,
    ),
  setBrightness: (brightness: number) =>
    request<Settings>('POST', boardPath('/settings'), { brightness }),
  /** The transition between any two things shown (all of it: the api fills no gaps). */
  setTransition: (transition: Transition) =>
    request<Settings>('POST', boardPath('/settings'), {
      transition,
    } satisfies SettingsBody),
  /** The board's location, for night mode by the sun; both null forget it. */
  setLocation: (latitude: number | null, longitude: number | null) =>
    request<Settings>('POST', boardPath('/settings'), {
      latitude,
      longitude,
    } satisfies SettingsBody),
  /** Change night mode (any subset; `{active}` switches it by hand until the next edge). */
  setNight: (body: NightBody) => request<Night>('POST', boardPath('/night'), body),
  saveCarousel: (body: CarouselBody) =>
    request<CarouselConfig>('POST', boardPath('/carousel'), body),
  createApp: (body: CreateAppBody) =>
    request<Schemas['AppInstanceResponse']>('POST', boardPath('/apps'), body),
  deleteApp: (app: string) =>
    request<AppsList>('DELETE', boardPath(`/apps/${encodeURIComponent(app)}`)),
  /** Store `file` in the library as `name` (the api defaults it to the file's stem). */
  uploadAsset: (file: Blob, name?: string) => {
    const form = new FormData()
    form.set('file', file)
    if (name) form.set('name', name)
    return request<AssetInfo>('POST', boardPath('/assets'), form)
  },
  deleteAsset: (name: string) =>
    request<Assets>('DELETE', boardPath(`/assets/${encodeURIComponent(name)}`)),
  /** A library image's bytes, from `assetPath(name)`. */
  assetImage: (name: string) => image(assetPath(name)),
  /** Show a notification (AWTRIX 3's JSON); 429 when the board's queue is full. */
  notify: (body: NotifyBody) => request<NotificationState>('POST', boardPath('/notify'), body),
  /** Dismiss the notification on show (the next queued one follows). */
  dismiss: () => request<NotificationState>('POST', boardPath('/notify/dismiss'), {}),
  setRealtime: (enabled: boolean) =>
    request<Realtime>('POST', boardPath('/realtime'), {
      enabled,
    } satisfies Schemas['RealtimeBody']),
}
