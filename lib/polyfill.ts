/**
 * `Promise.withResolvers` (ES2024) is called at run time by libp2p v3, yamux,
 * it-queue and mortice. Node 20 lacks it and no flag adds it; without it the
 * first connection fails with an opaque ECONNRESET on the dialer. Installing it
 * here, from the entry module, runs before any libp2p code *runs*, which is all
 * that is needed (importing libp2p is fine; calling it is not).
 */
interface Resolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

type PromiseCtor = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> }

export function installPolyfills (): void {
  const P = Promise as PromiseCtor
  if (typeof P.withResolvers === 'function') return
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T> (this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve']
      let reject!: Resolvers<T>['reject']
      const promise = new this<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

installPolyfills()
