#!/usr/bin/env node
// npm run example:angular: a local cluster of Node glueberry nodes listening
// on /ws (each echoes what it gets on 'chat'), the Angular app built (with
// its dependencies installed on first use) and served on 127.0.0.1, and the
// URL to open, which tells the app where its peers are. Ctrl-C stops it all.
//   node examples/angular/run.mjs [--port N] [--peers N]
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const arg = (name, fallback) => { const i = process.argv.indexOf(name); return i === -1 ? fallback : Number(process.argv[i + 1]) }
const port = arg('--port', 4280)
const count = arg('--peers', 2)
const site = join(here, 'dist', 'angular', 'browser')
const root = join(here, '..', '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

if (!existsSync(join(root, 'dist', 'lib', 'browser', 'index.js'))) execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' })
if (!existsSync(join(here, 'node_modules', '@angular', 'core'))) execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' })
if (!existsSync(join(site, 'index.html')) || process.argv.includes('--rebuild')) execFileSync(npm, ['run', 'build'], { cwd: here, stdio: 'inherit' })

const { createNode, standardHandshake } = await import(join(root, 'dist', 'lib', 'index.js'))
const nodes = []
for (let i = 0; i < count; i++) {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], inbound: 'any', handshake: standardHandshake({ streams: ['chat'] }) })
  node.messages$.subscribe((m) => {
    if (m.stream !== 'chat') return
    node.send(m.peerId, 'chat', new TextEncoder().encode(`node ${i + 1} got: ${new TextDecoder().decode(m.data)}`)).catch(() => {})
  })
  await node.start()
  nodes.push(node)
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon' }
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '')
  const file = join(site, path === '/' ? 'index.html' : path)
  readFile(file).then(
    (body) => { res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body) },
    () => readFile(join(site, 'index.html')).then((body) => { res.writeHead(200, { 'content-type': 'text/html' }).end(body) })
  )
})
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
const peers = nodes.map((n) => `${n.peerId}@${n.multiaddrs.find((a) => a.includes('/ws'))}`).join(',')
console.log(`Glueberry Angular example: http://127.0.0.1:${server.address().port}/?peers=${encodeURIComponent(peers)}`)

const stop = async () => { server.close(); await Promise.all(nodes.map((n) => n.stop())); process.exit(0) }
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
