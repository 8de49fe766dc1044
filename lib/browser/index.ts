/**
 * Glueberry in a browser: the same API as in Node.js, over WebSockets, the
 * noble crypto backend and an IndexedDB (or in-memory) address book.
 * Bundlers pick this entry on their own for `import 'glueberry'` (the
 * `browser` export condition: esbuild, Vite, Angular's builder, webpack);
 * `glueberry/browser` names it explicitly (and gives TypeScript its types).
 *
 * ```ts
 * import { createNode, IndexedDbStorage, standardHandshake } from 'glueberry/browser'
 * const node = await createNode({ addressBook: new IndexedDbStorage('my-app'), handshake: standardHandshake() })
 * await node.start()
 * await node.addPeer(peerId, { addresses: ['/ip4/127.0.0.1/tcp/9001/ws'] })
 * ```
 *
 * @module glueberry/browser
 */
export * from '../index.js'
// Explicit exports take precedence over the star export above.
export { createNode } from './create-node.js'
export type { BrowserNodeOptions } from './create-node.js'
export { IndexedDbStorage } from '../peers/indexeddb-storage.js'
