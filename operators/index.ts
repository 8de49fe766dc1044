/**
 * glueberry/operators: RxJS operators for glueberry pipelines, one per module.
 *
 * @packageDocumentation
 */
export { onStream } from './on-stream.js'
export { filterPeers } from './filter-peers.js'
export { filterStates } from './filter-states.js'
