import { Inject } from '@nestjs/common'

/** Injection token of the started `GlueberryNode`. */
export const GLUEBERRY_NODE = Symbol('GLUEBERRY_NODE')
/** The resolved `GlueberryModuleOptions` (internal to the module). */
export const GLUEBERRY_OPTIONS = Symbol('GLUEBERRY_OPTIONS')
/** The node's handshake driver; the bridge reads its failures (internal to the module). */
export const GLUEBERRY_HANDSHAKE = Symbol('GLUEBERRY_HANDSHAKE')

/** The stream the default handshake prepares and `SendMessageCommand` uses when none is named. */
export const DEFAULT_STREAM = 'messages'

/** `@InjectGlueberryNode() node: GlueberryNode`: the node is an interface, so DI needs the token. */
export const InjectGlueberryNode = (): ParameterDecorator => Inject(GLUEBERRY_NODE)
