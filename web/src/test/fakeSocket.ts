// A stand-in for socket.io-client's Socket and Manager: just enough event emitter to
// drive src/socket.ts the way a real connection would, and record what it sends.
type Handler = (...args: any[]) => void

class Emitter {
  private handlers = new Map<string, Handler[]>()

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler])
    return this
  }

  /** Deliver an event to the registered listeners (what the library would do). */
  fire(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(...args)
  }

  listenerCount(event: string): number {
    return this.handlers.get(event)?.length ?? 0
  }

  removeAllListeners(): this {
    this.handlers.clear()
    return this
  }
}

export class FakeManager extends Emitter {
  opts: Record<string, unknown> = {}
}

export class FakeSocket extends Emitter {
  io = new FakeManager()
  connected = false
  active = false
  /** Everything the dashboard emitted to the server, in order. */
  sent: [string, unknown][] = []
  connectCalls = 0

  emit(event: string, data?: unknown): this {
    this.sent.push([event, data])
    return this
  }

  connect(): this {
    this.connectCalls++
    this.active = true
    return this
  }

  disconnect(): this {
    this.active = false
    if (this.connected) {
      this.connected = false
      this.fire('disconnect', 'io client disconnect')
    }
    return this
  }

  // --- what the server / network does -------------------------------------------------

  serverAccepts(): void {
    this.connected = true
    this.fire('connect')
  }

  drop(reason = 'transport close'): void {
    this.connected = false
    this.fire('disconnect', reason)
  }

  sentEvents(name: string): unknown[] {
    return this.sent.filter(([event]) => event === name).map(([, data]) => data)
  }
}
