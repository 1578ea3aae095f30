// JSON Schema of an app's config → the fields of its form. Pure functions, no Vue: the
// form knows nothing of any particular app, so a new app needs no dashboard change.
import type { AppConfig, JsonSchema } from './types'

interface FieldBase {
  name: string
  label: string
  /** The schema's title or description when not already the label (a hint under it). */
  help?: string
  required: boolean
  default?: unknown
  nullable: boolean
}

export interface ColorField extends FieldBase {
  kind: 'color'
}
export interface SelectField extends FieldBase {
  kind: 'select'
  options: { value: string | number; label: string }[]
}
export interface NumberField extends FieldBase {
  kind: 'integer' | 'number'
  min?: number
  max?: number
  step: number | 'any'
}
export interface TextField extends FieldBase {
  kind: 'text'
  minLength?: number
  maxLength?: number
  /** Long texts get a textarea. */
  multiline: boolean
}
/** A string naming an image of the board's library (`format: "asset"`); "" is none. */
export interface AssetField extends FieldBase {
  kind: 'asset'
}
export interface BooleanField extends FieldBase {
  kind: 'boolean'
}
/** Anything else (nested objects, free lists): edited as JSON text, checked by the api. */
export interface JsonField extends FieldBase {
  kind: 'json'
}

export type FieldDescriptor =
  ColorField | SelectField | NumberField | TextField | AssetField | BooleanField | JsonField

const MULTILINE_FROM = 120

/** "spawn_rate" → "Spawn rate". */
export function titleCase(name: string): string {
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[_\s-]+/)
    .filter(Boolean)
  const text = words.join(' ').toLowerCase()
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref)
  const defs = match ? (root as Record<string, Record<string, JsonSchema>>)[match[1]!] : undefined
  return (match && defs?.[match[2]!]) || {}
}

/**
 * Flatten what pydantic wraps a property in: `$ref`, a one-item `allOf`, and
 * `anyOf: [X, {type: null}]` (an Optional). Keywords next to the wrapper win.
 */
function unwrap(prop: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  let schema: JsonSchema = { ...prop }
  let nullable = false
  for (let depth = 0; depth < 8; depth++) {
    const { $ref, allOf, anyOf, ...rest } = schema
    if ($ref) {
      schema = { ...resolveRef($ref, root), ...rest }
    } else if (allOf?.length === 1) {
      schema = { ...allOf[0], ...rest }
    } else if (anyOf) {
      const others = anyOf.filter((s) => s.type !== 'null')
      nullable ||= others.length < anyOf.length
      if (others.length !== 1) return { schema: { ...rest }, nullable }
      schema = { ...others[0], ...rest }
    } else {
      break
    }
  }
  if (Array.isArray(schema.type)) {
    nullable ||= schema.type.includes('null')
    const types = schema.type.filter((t) => t !== 'null')
    schema = { ...schema, type: types.length === 1 ? types[0] : undefined }
  }
  return { schema, nullable }
}

function isColor(s: JsonSchema): boolean {
  return (
    s.type === 'array' &&
    (s.format === 'color' || (s.minItems === 3 && s.maxItems === 3 && s.items?.type === 'integer'))
  )
}

/** One field for one property of the config schema. */
export function describeField(
  name: string,
  prop: JsonSchema,
  root: JsonSchema = {},
  required = false,
): FieldDescriptor {
  const { schema, nullable } = unwrap(prop, root)
  const label = schema.description || schema.title || titleCase(name)
  const help =
    schema.description && schema.title && schema.title !== titleCase(name)
      ? schema.title
      : undefined
  const base: FieldBase = { name, label, help, required, nullable, default: schema.default }

  if (schema.enum?.length) {
    return {
      ...base,
      kind: 'select',
      options: schema.enum
        .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
        .map((value) => ({ value, label: String(value) })),
    }
  }
  if (isColor(schema)) return { ...base, kind: 'color' }
  if (schema.type === 'string' && schema.format === 'asset') return { ...base, kind: 'asset' }
  if (schema.type === 'integer' || schema.type === 'number') {
    const integer = schema.type === 'integer'
    const min =
      schema.minimum ??
      (schema.exclusiveMinimum !== undefined
        ? schema.exclusiveMinimum + (integer ? 1 : 0)
        : undefined)
    const max =
      schema.maximum ??
      (schema.exclusiveMaximum !== undefined
        ? schema.exclusiveMaximum - (integer ? 1 : 0)
        : undefined)
    return {
      ...base,
      kind: integer ? 'integer' : 'number',
      ...(min !== undefined && { min }),
      ...(max !== undefined && { max }),
      step: schema.multipleOf ?? (integer ? 1 : 'any'),
    }
  }
  if (schema.type === 'string') {
    return {
      ...base,
      kind: 'text',
      ...(schema.minLength !== undefined && { minLength: schema.minLength }),
      ...(schema.maxLength !== undefined && { maxLength: schema.maxLength }),
      multiline: (schema.maxLength ?? 0) > MULTILINE_FROM,
    }
  }
  if (schema.type === 'boolean') return { ...base, kind: 'boolean' }
  return { ...base, kind: 'json' }
}

/** Every property of an app's config schema, in the schema's order. */
export function schemaToFields(schema: JsonSchema | undefined): FieldDescriptor[] {
  if (!schema) return []
  const root = unwrap(schema, schema).schema
  const required = new Set(root.required ?? [])
  return Object.entries(root.properties ?? {}).map(([name, prop]) =>
    describeField(name, prop, schema, required.has(name)),
  )
}

/** The form's starting values: the app's config, else the schema default. */
export function initialValues(fields: FieldDescriptor[], config: AppConfig): AppConfig {
  const values: AppConfig = {}
  for (const field of fields) {
    const value = field.name in config ? config[field.name] : field.default
    values[field.name] = field.kind === 'json' ? JSON.stringify(value ?? null) : copy(value)
  }
  return values
}

/**
 * What to send: the fields the user changed, as the api expects them (a JSON field's
 * text parsed; unparsable text sent as is, so the api's own message explains it).
 */
export function changedValues(
  fields: FieldDescriptor[],
  draft: AppConfig,
  saved: AppConfig,
): AppConfig {
  const start = initialValues(fields, saved)
  const changed: AppConfig = {}
  for (const field of fields) {
    const value = draft[field.name]
    if (sameValue(value, start[field.name])) continue
    changed[field.name] = field.kind === 'json' ? parseJsonText(value) : value
  }
  return changed
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Arrays (colours) are copied so editing the form never mutates the store. */
function copy<T>(value: T): T {
  return Array.isArray(value) ? ([...value] as T) : value
}

// --- colours: the api speaks [r, g, b], <input type="color"> speaks "#rrggbb" ----------

export function rgbToHex(rgb: unknown): string {
  if (!Array.isArray(rgb) || rgb.length !== 3) return '#000000'
  return (
    '#' +
    rgb
      .map((c) =>
        Math.max(0, Math.min(255, Math.round(Number(c) || 0)))
          .toString(16)
          .padStart(2, '0'),
      )
      .join('')
  )
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim())
  if (!m) return [0, 0, 0]
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)]
}
