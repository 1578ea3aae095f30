import { describe, expect, it } from 'vitest'
import {
  changedValues,
  describeField,
  hexToRgb,
  initialValues,
  rgbToHex,
  schemaToFields,
  titleCase,
} from './schemaForm'
import type { JsonSchema } from './types'

// A made-up app config schema, shaped like pydantic's model_json_schema().
const schema: JsonSchema = {
  type: 'object',
  title: 'DemoConfig',
  additionalProperties: false,
  properties: {
    message: {
      type: 'string',
      title: 'Message',
      description: 'What to say',
      maxLength: 80,
      default: 'hi',
    },
    story: { type: 'string', title: 'Story', maxLength: 2000 },
    face: {
      type: 'string',
      title: 'Face',
      description: 'Typeface',
      enum: ['small', 'big'],
      default: 'small',
    },
    tint: {
      type: 'array',
      title: 'Tint',
      description: 'Text colour',
      format: 'color',
      items: { type: 'integer', minimum: 0, maximum: 255 },
      minItems: 3,
      maxItems: 3,
    },
    pace: {
      type: 'integer',
      title: 'Pace',
      description: 'Pixels per frame',
      minimum: 1,
      maximum: 16,
      default: 1,
    },
    spawn_rate: { type: 'number', title: 'Spawn Rate', exclusiveMinimum: 0 },
    blink: { type: 'boolean', title: 'Blink', default: false },
    mode: { $ref: '#/$defs/Mode', default: 'a' },
    limit: {
      anyOf: [{ type: 'integer', maximum: 9 }, { type: 'null' }],
      default: null,
      title: 'Limit',
    },
    extra: { type: 'object', title: 'Extra' },
  } as Record<string, JsonSchema>,
  required: ['message'],
}
;(schema as JsonSchema & { $defs: Record<string, JsonSchema> }).$defs = {
  Mode: { type: 'string', enum: ['a', 'b'], title: 'Mode' },
}

const byName = () => Object.fromEntries(schemaToFields(schema).map((f) => [f.name, f]))

describe('schemaToFields', () => {
  it('keeps the schema order', () => {
    expect(schemaToFields(schema).map((f) => f.name)).toEqual([
      'message',
      'story',
      'face',
      'tint',
      'pace',
      'spawn_rate',
      'blink',
      'mode',
      'limit',
      'extra',
    ])
  })

  it('maps a [r,g,b] colour to a colour picker', () => {
    expect(byName().tint).toMatchObject({ kind: 'color', label: 'Text colour' })
  })

  it('maps an enum to a select with its options', () => {
    expect(byName().face).toMatchObject({
      kind: 'select',
      label: 'Typeface',
      default: 'small',
      options: [
        { value: 'small', label: 'small' },
        { value: 'big', label: 'big' },
      ],
    })
  })

  it('maps an integer to a number input with its range', () => {
    expect(byName().pace).toMatchObject({
      kind: 'integer',
      min: 1,
      max: 16,
      step: 1,
      default: 1,
      label: 'Pixels per frame',
    })
  })

  it('maps a float with an exclusive minimum', () => {
    expect(byName().spawn_rate).toMatchObject({ kind: 'number', min: 0, step: 'any' })
  })

  it('maps a string to a text input with its maxlength, long ones to a textarea', () => {
    expect(byName().message).toMatchObject({
      kind: 'text',
      maxLength: 80,
      multiline: false,
      required: true,
    })
    expect(byName().story).toMatchObject({
      kind: 'text',
      maxLength: 2000,
      multiline: true,
      required: false,
    })
  })

  it('labels with the description, else the title-cased name', () => {
    expect(byName().message?.label).toBe('What to say')
    expect(describeField('spawn_rate', { type: 'integer' }).label).toBe('Spawn rate')
  })

  it('follows $ref and unwraps optionals', () => {
    expect(byName().mode).toMatchObject({
      kind: 'select',
      default: 'a',
      options: [{ value: 'a' }, { value: 'b' }],
    })
    expect(byName().limit).toMatchObject({ kind: 'integer', max: 9, nullable: true, default: null })
  })

  it('maps booleans to a checkbox and anything else to JSON text', () => {
    expect(byName().blink?.kind).toBe('boolean')
    expect(byName().extra?.kind).toBe('json')
  })

  it('maps a string of format "asset" to the image-library picker', () => {
    const field = describeField('asset', {
      type: 'string',
      format: 'asset',
      description: 'Image-library name; empty: none yet',
      default: '',
    })
    expect(field).toMatchObject({
      kind: 'asset',
      default: '',
      label: 'Image-library name; empty: none yet',
    })
    expect(initialValues([field], {})).toEqual({ asset: '' })
    expect(changedValues([field], { asset: 'cat' }, {})).toEqual({ asset: 'cat' })
  })

  it('copes with no schema', () => {
    expect(schemaToFields(undefined)).toEqual([])
    expect(schemaToFields({ type: 'object' })).toEqual([])
  })
})

describe('form values', () => {
  const fields = schemaToFields(schema)
  const saved = { message: 'yo', face: 'big', tint: [0, 255, 255], pace: 2 }

  it('start from the saved config, else the schema default', () => {
    const values = initialValues(fields, saved)
    expect(values).toMatchObject({
      message: 'yo',
      face: 'big',
      tint: [0, 255, 255],
      pace: 2,
      blink: false,
      mode: 'a',
    })
    expect(values.tint).not.toBe(saved.tint) // editing the form never touches the store
    expect(values.extra).toBe('null')
  })

  it('sends only what changed, as typed', () => {
    const draft = { ...initialValues(fields, saved), pace: 99, tint: [255, 0, 0], extra: '{"a":1}' }
    expect(changedValues(fields, draft, saved)).toEqual({
      pace: 99,
      tint: [255, 0, 0],
      extra: { a: 1 },
    })
    expect(changedValues(fields, initialValues(fields, saved), saved)).toEqual({})
  })
})

describe('helpers', () => {
  it('title-cases names', () => {
    expect(titleCase('scroll_text')).toBe('Scroll text')
    expect(titleCase('fps')).toBe('Fps')
    expect(titleCase('spawnRate')).toBe('Spawn rate')
  })

  it('converts colours both ways', () => {
    expect(rgbToHex([0, 255, 16])).toBe('#00ff10')
    expect(rgbToHex([300, -4, 7.6])).toBe('#ff0008')
    expect(rgbToHex('nope')).toBe('#000000')
    expect(hexToRgb('#00ff10')).toEqual([0, 255, 16])
    expect(hexToRgb('bad')).toEqual([0, 0, 0])
  })
})
