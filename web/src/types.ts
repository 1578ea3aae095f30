// Payload shapes of the RetroBoard contract (docs/api.md, docs/websocket.md).
// The Socket.IO state events carry exactly the MQTT state payloads of the same name.

/** A JSON Schema fragment, as pydantic emits it for an app's config. */
export interface JsonSchema {
  type?: string | string[]
  title?: string
  description?: string
  default?: unknown
  enum?: unknown[]
  format?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  anyOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $ref?: string
  $defs?: Record<string, JsonSchema>
}

export type AppConfig = Record<string, unknown>

export interface CatalogEntry {
  description: string
  schema: JsonSchema
  config: AppConfig
}

export interface AppsList {
  apps: string[]
  current: string | null
  catalog?: Record<string, CatalogEntry>
}

export interface CurrentApp {
  app: string | null
  config: AppConfig | null
}

export interface Settings {
  brightness: number
}

export interface CarouselEntry {
  app: string
  duration: number
}

export interface CarouselConfig {
  enabled: boolean
  apps: CarouselEntry[]
  current_index: number
}

export interface BoardStatus {
  board: string
  online: boolean
}

export interface BoardInfo {
  id: string
  online: boolean
  last_seen?: number | string | null
}

/** What the server may send: the state events plus availability and preview frames. */
export interface ServerEvents {
  apps_list: (data: AppsList) => void
  current_app: (data: CurrentApp) => void
  settings: (data: Settings) => void
  carousel_config: (data: CarouselConfig) => void
  board_status: (data: BoardStatus) => void
  frame: (png: ArrayBuffer | Uint8Array | Blob) => void
}

/** What the dashboard sends: commands stay on REST, so only these two. */
export interface ClientEvents {
  request_state: () => void
  preview: (data: { enabled: boolean }) => void
}

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected'
