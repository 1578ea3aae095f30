import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type {
  AppConfig,
  AppsList,
  AppTypeInfo,
  AppTypes,
  AssetInfo,
  Assets,
  BoardStatus,
  CarouselConfig,
  CurrentApp,
  InstanceInfo,
  Night,
  NotificationState,
  Realtime,
  Settings,
  Transition,
} from '../types'

/**
 * The followed board's state. Only socket events write here (see socket.ts): REST
 * answers are not applied, so every open dashboard shows the same thing, and shows it
 * only once the board really did it.
 */
export const useBoardStore = defineStore('board', () => {
  const boardId = ref<string | null>(null)
  const online = ref<boolean | null>(null)
  const apps = ref<string[]>([])
  const instances = ref<Record<string, InstanceInfo>>({})
  const types = ref<Record<string, AppTypeInfo>>({})
  const assets = ref<AssetInfo[]>([])
  const assetBytes = ref(0)
  const assetLimit = ref<number | null>(null)
  const current = ref<string | null>(null)
  const currentConfig = ref<AppConfig | null>(null)
  const brightness = ref<number | null>(null)
  const power = ref<boolean | null>(null)
  const transition = ref<Transition | null>(null)
  const latitude = ref<number | null>(null)
  const longitude = ref<number | null>(null)
  const night = ref<Night | null>(null)
  const carousel = ref<CarouselConfig | null>(null)
  const realtime = ref<Realtime | null>(null)
  const notification = ref<NotificationState | null>(null)
  // A frame is a whole PNG replaced ten times a second: shallow, never deep-reactive.
  const frame = shallowRef<Blob | null>(null)

  const loaded = computed(() => apps.value.length > 0)

  /** The config an app runs with: the live one for the current app, else the saved one. */
  function configOf(app: string): AppConfig {
    if (app === current.value && currentConfig.value) return currentConfig.value
    return instances.value[app]?.config ?? {}
  }

  /** The type of an app instance, when the board has said (and knows the type). */
  function typeOf(app: string): AppTypeInfo | undefined {
    const type = instances.value[app]?.type
    return type === undefined ? undefined : types.value[type]
  }

  function applyAppsList(data: AppsList): void {
    apps.value = [...data.apps]
    current.value = data.current
    instances.value = data.instances
  }

  function applyAppTypes(data: AppTypes): void {
    types.value = data.types
  }

  function applyAssets(data: Assets): void {
    assets.value = data.assets.map((asset) => ({ ...asset }))
    assetBytes.value = data.bytes
    assetLimit.value = data.limit
  }

  function applyCurrentApp(data: CurrentApp): void {
    current.value = data.app
    currentConfig.value = data.app ? data.config : null
  }

  function applySettings(data: Settings): void {
    brightness.value = data.brightness
    // An older renderer does not say: its panel is never off.
    power.value = data.power ?? true
    // An older renderer has no transitions (null: the dashboard does not offer them).
    transition.value = data.transition ? { ...data.transition } : null
    latitude.value = data.latitude ?? null
    longitude.value = data.longitude ?? null
  }

  /** Whether the board knows where it is (night mode by the sun needs it). */
  const located = computed(() => latitude.value !== null && longitude.value !== null)

  function applyNight(data: Night): void {
    night.value = { ...data }
  }

  function applyCarousel(data: CarouselConfig): void {
    carousel.value = {
      ...data,
      // An older renderer has no fallback: nothing shows while no entry is due.
      fallback: data.fallback ?? 'off',
      apps: data.apps.map((entry) => ({
        ...entry,
        ...(entry.days ? { days: [...entry.days] } : {}),
        ...(entry.transition ? { transition: { ...entry.transition } } : {}),
      })),
    }
  }

  function applyRealtime(data: Realtime): void {
    realtime.value = { ...data }
  }

  function applyNotification(data: NotificationState): void {
    notification.value = {
      current: data.current ? { ...data.current } : null,
      queue: data.queue.map((item) => ({ ...item })),
      length: data.length,
    }
  }

  function applyBoardStatus(data: BoardStatus): void {
    boardId.value = data.board
    online.value = data.online
  }

  function applyFrame(png: ArrayBuffer | ArrayBufferView | Blob): void {
    frame.value = png instanceof Blob ? png : new Blob([png as BlobPart], { type: 'image/png' })
  }

  /** Forget everything (before following another board). */
  function reset(): void {
    boardId.value = null
    online.value = null
    apps.value = []
    instances.value = {}
    types.value = {}
    assets.value = []
    assetBytes.value = 0
    assetLimit.value = null
    current.value = null
    currentConfig.value = null
    brightness.value = null
    power.value = null
    transition.value = null
    latitude.value = null
    longitude.value = null
    night.value = null
    carousel.value = null
    realtime.value = null
    notification.value = null
    frame.value = null
  }

  return {
    boardId,
    online,
    apps,
    instances,
    types,
    assets,
    assetBytes,
    assetLimit,
    current,
    currentConfig,
    brightness,
    power,
    transition,
    latitude,
    longitude,
    located,
    night,
    carousel,
    realtime,
    notification,
    frame,
    loaded,
    configOf,
    typeOf,
    applyAppsList,
    applyAppTypes,
    applyAssets,
    applyCurrentApp,
    applySettings,
    applyCarousel,
    applyNight,
    applyRealtime,
    applyNotification,
    applyBoardStatus,
    applyFrame,
    reset,
  }
})
