import type { FactoryProvider, ModuleMetadata } from '@nestjs/common'
import type { NodeOptions } from 'glueberry'

/**
 * Everything `createNode` takes. When `handshake` is omitted the module runs
 * the standard handshake over `streams`: a Nest application reacts to events
 * and commands, so it wants peers to reach Established on their own.
 */
export interface GlueberryModuleOptions extends NodeOptions {
  /** Encrypted streams of the default standard handshake (unused when `handshake` is given). @default ['messages'] */
  streams?: readonly string[]
}

/**
 * `forRootAsync`: options from other providers (configuration, secrets).
 * `Deps` is inferred from `useFactory`'s parameters, so no `any` leaks into
 * the application's factory.
 */
export interface GlueberryModuleAsyncOptions<Deps extends unknown[] = unknown[]> {
  imports?: ModuleMetadata['imports']
  inject?: FactoryProvider['inject']
  useFactory: (...deps: Deps) => GlueberryModuleOptions | Promise<GlueberryModuleOptions>
}
