import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'

export interface PanelSize {
  width: number
  height: number
}

const LED_RADIUS = 0.42 // of the pitch: round LEDs with a visible gap, like a real panel
const MIN_PITCH = 3
const MAX_PITCH = 24
const OFF_LED = 'rgba(128, 140, 160, 0.13)'

/** A pitch × pitch tile holding one opaque circle: the LED shape, repeated as a pattern. */
function ledTile(pitch: number, color: string): HTMLCanvasElement {
  const tile = document.createElement('canvas')
  tile.width = tile.height = pitch
  const ctx = tile.getContext('2d')!
  ctx.fillStyle = color
  ctx.beginPath()
  ctx.arc(pitch / 2, pitch / 2, pitch * LED_RADIUS, 0, Math.PI * 2)
  ctx.fill()
  return tile
}

/**
 * Draw each PNG frame as round LEDs. Per-LED arcs would be thousands of draw calls a
 * frame; instead the frame is scaled up once (nearest neighbour) and cut into circles
 * with a pattern mask, so a frame costs a handful of draw calls at any panel size.
 * The centre of a lit LED keeps the frame's exact colour (tests read it back).
 */
export function useLedCanvas(canvas: Ref<HTMLCanvasElement | null>, frame: Ref<Blob | null>) {
  const size = ref<PanelSize | null>(null)
  const frames = ref(0)
  let pixels: HTMLCanvasElement | null = null // the frame, black made transparent
  let scaled: HTMLCanvasElement | null = null // lit LEDs only
  let tiles: { pitch: number; lit: CanvasPattern; off: CanvasPattern } | null = null
  let decoding = false
  let queued: Blob | null = null
  let resize: ResizeObserver | null = null

  async function decode(blob: Blob): Promise<void> {
    // Frames can arrive faster than they decode on a slow phone: keep only the newest.
    if (decoding) {
      queued = blob
      return
    }
    decoding = true
    try {
      const bitmap = await createImageBitmap(blob)
      pixels = toTransparentBlack(bitmap)
      bitmap.close()
      size.value = { width: pixels.width, height: pixels.height }
      frames.value++
      draw()
    } catch {
      /* a corrupt frame is skipped; the next one replaces it */
    } finally {
      decoding = false
      const next = queued
      queued = null
      if (next) void decode(next)
    }
  }

  function toTransparentBlack(bitmap: ImageBitmap): HTMLCanvasElement {
    const out =
      pixels && pixels.width === bitmap.width && pixels.height === bitmap.height
        ? pixels
        : Object.assign(document.createElement('canvas'), {
            width: bitmap.width,
            height: bitmap.height,
          })
    const ctx = out.getContext('2d', { willReadFrequently: true })!
    ctx.clearRect(0, 0, out.width, out.height)
    ctx.drawImage(bitmap, 0, 0)
    const image = ctx.getImageData(0, 0, out.width, out.height)
    const data = image.data
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 0) data[i + 3] = 0
    }
    ctx.putImageData(image, 0, 0)
    return out
  }

  function pitchFor(el: HTMLCanvasElement, panel: PanelSize): number {
    const box =
      (el.parentElement?.clientWidth || el.clientWidth || 640) * (globalThis.devicePixelRatio || 1)
    return Math.max(MIN_PITCH, Math.min(MAX_PITCH, Math.floor(box / panel.width)))
  }

  function patterns(ctx: CanvasRenderingContext2D, pitch: number) {
    if (tiles?.pitch !== pitch) {
      tiles = {
        pitch,
        lit: ctx.createPattern(ledTile(pitch, '#fff'), 'repeat')!,
        off: ctx.createPattern(ledTile(pitch, OFF_LED), 'repeat')!,
      }
    }
    return tiles
  }

  function draw(): void {
    const el = canvas.value
    const panel = size.value ?? { width: 64, height: 32 } // an all-off panel until a frame comes
    if (!el) return
    const pitch = pitchFor(el, panel)
    const w = panel.width * pitch
    const h = panel.height * pitch
    if (el.width !== w || el.height !== h) Object.assign(el, { width: w, height: h })
    const ctx = el.getContext('2d')!
    const { lit, off } = patterns(ctx, pitch)

    ctx.globalCompositeOperation = 'source-over'
    ctx.clearRect(0, 0, w, h)
    ctx.fillStyle = off
    ctx.fillRect(0, 0, w, h)
    if (!pixels) return

    scaled ??= document.createElement('canvas')
    if (scaled.width !== w || scaled.height !== h) Object.assign(scaled, { width: w, height: h })
    const sctx = scaled.getContext('2d')!
    sctx.globalCompositeOperation = 'source-over'
    sctx.clearRect(0, 0, w, h)
    sctx.imageSmoothingEnabled = false
    sctx.drawImage(pixels, 0, 0, w, h)
    sctx.globalCompositeOperation = 'destination-in'
    sctx.fillStyle = lit // patterns are not bound to the context that made them
    sctx.fillRect(0, 0, w, h)

    // A soft glow behind the LEDs (only in the gaps, the LEDs are drawn over it).
    if ('filter' in ctx) {
      ctx.save()
      ctx.filter = `blur(${Math.max(1, pitch * 0.6)}px)`
      ctx.globalAlpha = 0.55
      ctx.imageSmoothingEnabled = true
      ctx.drawImage(pixels, 0, 0, w, h)
      ctx.restore()
    }
    ctx.drawImage(scaled, 0, 0)
  }

  watch(frame, (blob) => {
    if (blob) void decode(blob)
    else {
      pixels = null
      draw()
    }
  })

  onMounted(() => {
    draw()
    if (canvas.value?.parentElement && typeof ResizeObserver !== 'undefined') {
      resize = new ResizeObserver(() => draw())
      resize.observe(canvas.value.parentElement)
    }
    if (frame.value) void decode(frame.value)
  })
  onBeforeUnmount(() => resize?.disconnect())

  return { size, frames }
}
