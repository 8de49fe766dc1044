// A CommonJS consumer (what NestJS compiles to by default) on the BUILT
// package, resolved by name through the package's own "exports" map.
'use strict'

// Prove the entry module installs the polyfill itself: take it away first
// (Node 20 does not have it anyway; newer Nodes do).
const hadNative = typeof Promise.withResolvers === 'function'
delete Promise.withResolvers

const glueberry = require('glueberry')
const operators = require('glueberry/operators')
const testing = require('glueberry/testing')

async function main () {
  if (typeof Promise.withResolvers !== 'function') throw new Error('polyfill not installed by the entry module')
  const { createNode, ConnectionState } = glueberry
  const a = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  // b admits a without having added it (by default a node refuses peers outside its address book)
  const b = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
  await a.start()
  await b.start()
  try {
    const got = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no message')), 10000)
      b.messages$.pipe(operators.onStream('handshake')).subscribe((m) => { clearTimeout(t); resolve(m) })
    })
    // Known peers only (the default): each side has the other in its book.
    await b.addPeer(a.peerId, a.multiaddrs)
    await a.addPeer(b.peerId, b.multiaddrs)
    await a.connect(b.peerId)
    if (a.state(b.peerId) !== ConnectionState.Connected) throw new Error(`state ${a.state(b.peerId)}`)
    await a.send(b.peerId, 'handshake', Uint8Array.of(1, 2, 3))
    const m = await got
    if (m.peerId !== a.peerId || m.data.length !== 3) throw new Error('wrong message')
    console.log(JSON.stringify({ ok: true, hadNative, exports: Object.keys(glueberry).length, testing: typeof testing.tamperNextRecords }))
  } finally {
    await a.stop()
    await b.stop()
  }
}

main().catch((err) => { console.error(err); process.exit(1) })
