/**
 * The conformance suite on the real node: createNode, 127.0.0.1, port 0.
 */
import { registerConformance } from './scenarios/index.js'
import { realDriver } from './platforms/real.js'

registerConformance(realDriver())
