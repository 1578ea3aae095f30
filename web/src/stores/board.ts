import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type {
  AppConfig,
  AppsList,
  BoardStatus,
  CarouselConfig,
  CatalogEntry,
  CurrentApp,
  Realtime,
  Settings,
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
  const catalog = ref<Record<string, CatalogEntry>>({})
  const current = ref<string | null>(null)
  const currentConfig = ref<AppConfig | null>(null)
  const brightness = ref<number | null>(null)
  const carousel = ref<CarouselConfig | null>(null)
  const realtime = ref<Realtime | null>(null)
  // A frame is a whole PNG replaced ten times a second: shallow, never deep-reactive.
  const frame = shallowRef<Blob | null>(null)

  const loaded = computed(() => apps.value.length > 0)

  /** The config an app runs with: the live one for the current app, else the saved one. */
  function configOf(app: string): AppConfig {
    if (app === current.value && currentConfig.value) return currentConfig.value
    return catalog.value[app]?.config ?? {}
  }

  function applyAppsList(data: AppsList): void {
    apps.value = [...data.apps]
    current.value = data.current
    catalog.value = data.catalog
  }

  function applyCurrentApp(data: CurrentApp): void {
    current.value = data.app
    currentConfig.value = data.app ? data.config : null
  }

  function applySettings(data: Settings): void {
    brightness.value = data.brightness
  }

  function applyCarousel(data: CarouselConfig): void {
    carousel.value = { ...data, apps: data.apps.map((entry) => ({ ...entry })) }
  }

  function applyRealtime(data: Realtime): void {
    realtime.value = { ...data }
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
    catalog.value = {}
    current.value = null
    currentConfig.value = null
    brightness.value = null
    carousel.value = null
    realtime.value = null
    frame.value = null
  }

  return {
    boardId,
    online,
    apps,
    catalog,
    current,
    currentConfig,
    brightness,
    carousel,
    realtime,
    frame,
    loaded,
    configOf,
    applyAppsList,
    applyCurrentApp,
    applySettings,
    applyCarousel,
    applyRealtime,
    applyBoardStatus,
    applyFrame,
    reset,
  }
})
