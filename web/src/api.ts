// Commands over REST. Answers are not written into the store: the resulting state comes
// back as socket events to every open dashboard, this one included.
import { getToken, tokenRefused } from './auth'
import type { components } from './api-schema'
import type {
  AppConfig,
  BoardPage,
  BoardQuery,
  CarouselConfig,
  CurrentApp,
  ErrorDetail,
  ErrorResponse,
  Realtime,
  Settings,
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

async function request<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'The api cannot be reached.')
  }
  const data = (await response.json().catch(() => null)) as
    (T & { success?: boolean } & Partial<Omit<ErrorResponse, 'success'>>) | null
  if (!response.ok || !data || data.success === false) {
    const message = data?.error ?? `The api answered ${response.status} ${response.statusText}.`
    if (response.status === 401) tokenRefused(message)
    throw new ApiError(response.status, message, Array.isArray(data?.details) ? data.details : [])
  }
  return data
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
export type CarouselBody = Partial<Schemas['CarouselBody']>

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
  saveCarousel: (body: CarouselBody) =>
    request<CarouselConfig>('POST', boardPath('/carousel'), body),
  setRealtime: (enabled: boolean) =>
    request<Realtime>('POST', boardPath('/realtime'), {
      enabled,
    } satisfies Schemas['RealtimeBody']),
}
