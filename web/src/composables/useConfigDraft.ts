import { computed, ref, watch, type Ref } from 'vue'
import { api } from '../api'
import { changedValues, initialValues, sameValue, schemaToFields } from '../schemaForm'
import { useBoardStore } from '../stores/board'
import type { AppConfig } from '../types'
import { useApiAction } from './useApiAction'

/**
 * The editable copy of one app's config. Fields the user touched keep what was typed
 * (also after the api refused it); the others follow the server live, so a change made
 * elsewhere shows up without clobbering what is being edited here.
 */
export function useConfigDraft(app: Ref<string>) {
  const board = useBoardStore()
  const fields = computed(() => schemaToFields(board.typeOf(app.value)?.schema))
  const saved = computed(() => board.configOf(app.value))
  const draft = ref<AppConfig>({})
  const touched = ref(new Set<string>())
  const { busy, error, run, clear } = useApiAction()
  const savedOk = ref(false)

  function sync(reset: boolean): void {
    const start = initialValues(fields.value, saved.value)
    const next: AppConfig = {}
    for (const field of fields.value) {
      const keep = !reset && touched.value.has(field.name) && field.name in draft.value
      next[field.name] = keep ? draft.value[field.name] : start[field.name]
    }
    draft.value = next
    if (reset) touched.value = new Set()
  }

  watch(app, () => {
    clear()
    savedOk.value = false
    sync(true)
  })
  watch([fields, saved], () => sync(false), { immediate: true })

  const changes = computed(() => changedValues(fields.value, draft.value, saved.value))
  const dirty = computed(() => Object.keys(changes.value).length > 0)

  function setField(name: string, value: unknown): void {
    if (sameValue(draft.value[name], value)) return
    draft.value = { ...draft.value, [name]: value }
    touched.value.add(name)
    savedOk.value = false
  }

  async function save(): Promise<void> {
    const body = changes.value
    if (!Object.keys(body).length) return
    if (await run(() => api.saveConfig(app.value, body))) {
      // The accepted values arrive as socket events; until then the draft already shows them.
      touched.value = new Set()
      savedOk.value = true
    }
  }

  function revert(): void {
    clear()
    sync(true)
  }

  return { fields, draft, dirty, busy, error, savedOk, setField, save, revert }
}
