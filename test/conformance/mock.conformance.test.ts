/**
 * The conformance suite on MockNode (glueberry/testing) over its simulated network.
 */
import { registerConformance } from './scenarios/index.js'
import { mockDriver } from './platforms/mock.js'

registerConformance(mockDriver())
