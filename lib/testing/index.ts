/**
 * glueberry/testing: test utilities for applications built on glueberry.
 *
 * @packageDocumentation
 */
import '../polyfill.js'

export { tamperNextRecords, keyMaterial } from './hooks.js'
