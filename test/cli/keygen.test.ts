import { expect } from '@jest/globals'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { runCli } from '../../cli/main.js'
import { ExitCode } from '../../cli/errors.js'
import { IDENTITY_TYPE, encodeIdentity, readIdentityFile } from '../../cli/identity-file.js'
import { closedPort, memoryIO } from './helpers.js'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'glueberry-cli-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('glueberry keygen', () => {
  it('writes a 0600 identity file, prints only its peer id, and the file reads back as the same identity', async () => {
    const out = join(dir, 'alice.json')
    const io = memoryIO()
    expect(await runCli(['keygen', '--out', out], io)).toBe(ExitCode.Ok)

    const peerId = io.stdout.text().trim()
    expect(peerId).toMatch(/^12D3KooW\w+$/)
    expect(io.stdout.text()).toBe(`${peerId}\n`)
    expect((await stat(out)).mode & 0o777).toBe(0o600)

    const file = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>
    expect(file).toEqual({ type: IDENTITY_TYPE, version: 1, peerId, privateKey: expect.any(String) })
    // The key goes to the file only.
    expect(io.stdout.text() + io.stderr.text()).not.toContain(file.privateKey)

    const identity = await readIdentityFile(out)
    expect(identity.peerId).toBe(peerId)
    expect(identity.privateKey.type).toBe('Ed25519')
    expect(peerIdFromPrivateKey(identity.privateKey).toString()).toBe(peerId)
    expect(identity.warnings).toEqual([])
  })

  it('refuses to overwrite an existing file without --force, and replaces it with --force', async () => {
    const out = join(dir, 'id.json')
    expect(await runCli(['keygen', '--out', out], memoryIO())).toBe(ExitCode.Ok)
    const before = await readFile(out, 'utf8')

    const refused = memoryIO()
    expect(await runCli(['keygen', '--out', out], refused)).toBe(ExitCode.KeyFile)
    expect(refused.stderr.text()).toBe(`error: key file ${out} already exists; use --force to replace it (the old identity is lost)\n`)
    expect(refused.stdout.text()).toBe('')
    expect(await readFile(out, 'utf8')).toBe(before)

    const forced = memoryIO()
    expect(await runCli(['keygen', '--out', out, '--force'], forced)).toBe(ExitCode.Ok)
    const replaced = await readIdentityFile(out)
    expect(replaced.peerId).toBe(forced.stdout.text().trim())
    expect(replaced.peerId).not.toBe((JSON.parse(before) as { peerId: string }).peerId)
    expect((await stat(out)).mode & 0o777).toBe(0o600)
  })

  it('reports a path it cannot write', async () => {
    const io = memoryIO()
    expect(await runCli(['keygen', '--out', join(dir, 'missing', 'id.json')], io)).toBe(ExitCode.KeyFile)
    expect(io.stderr.text()).toMatch(/^error: cannot write key file .*id\.json: its directory does not exist\n$/)
  })
})

describe('key files that cannot be used', () => {
  async function keyText (type: 'Ed25519' | 'secp256k1'): Promise<Record<string, unknown>> {
    const key = await generateKeyPair(type)
    return {
      type: IDENTITY_TYPE,
      version: 1,
      peerId: peerIdFromPrivateKey(key).toString(),
      privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
    }
  }

  const cases: Array<[string, () => Promise<string | undefined>, string]> = [
    ['a missing file', () => Promise.resolve(undefined), 'no such file (create one with: glueberry keygen --out <file>)'],
    ['a file that is not JSON', () => Promise.resolve('type: glueberry-identity'), 'not valid JSON'],
    ['a JSON array', () => Promise.resolve('[]'), 'not a glueberry identity (expected a JSON object)'],
    ['another kind of JSON file', async () => JSON.stringify({ ...(await keyText('Ed25519')), type: 'ssh-key' }),
      'not a glueberry identity (type is "ssh-key", expected "glueberry-identity")'],
    ['a newer version', async () => JSON.stringify({ ...(await keyText('Ed25519')), version: 2 }),
      'unsupported version 2 (this glueberry reads version 1)'],
    ['a key that is not base64', async () => JSON.stringify({ ...(await keyText('Ed25519')), privateKey: 'not base64!' }),
      '"privateKey" must be a base64 string'],
    ['base64 that is not a key', async () => JSON.stringify({ ...(await keyText('Ed25519')), privateKey: 'AAECAwQF' }),
      '"privateKey" is not a libp2p private key'],
    ['a secp256k1 key', async () => JSON.stringify(await keyText('secp256k1')), 'the key is secp256k1, glueberry needs Ed25519'],
    ['a peer id that does not match the key', async () => {
      const [a, b] = [await keyText('Ed25519'), await keyText('Ed25519')]
      return JSON.stringify({ ...a, peerId: b.peerId })
    }, 'does not match the key']
  ]

  it.each(cases)('%s: exit 3 and one line naming the problem, before any network', async (_name, content, message) => {
    const path = join(dir, 'key.json')
    const text = await content()
    if (text !== undefined) await writeFile(path, text, { mode: 0o600 })
    const io = memoryIO()
    expect(await runCli(['listen', '--key', path], io)).toBe(ExitCode.KeyFile)
    const stderr = io.stderr.text()
    expect(stderr.split('\n')).toHaveLength(2) // one line and its newline
    expect(stderr.startsWith(`error: key file ${path}: `)).toBe(true)
    expect(stderr).toContain(message)
    expect(io.stdout.text()).toBe('')
  })

  it('uses a key file other users can read, with a warning saying how to fix it', async () => {
    const path = join(dir, 'loose.json')
    const key = await generateKeyPair('Ed25519')
    await writeFile(path, encodeIdentity(key))
    await chmod(path, 0o644)
    const io = memoryIO()
    // A refused dial: the key was read and used, then the network failed.
    const port = await closedPort()
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    expect(await runCli(['dial', `/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`, '--key', path], io)).toBe(ExitCode.Connection)
    expect(io.stderr.text()).toContain(`warning: key file ${path} is accessible by other users (mode 0644); run: chmod 600 ${path}\n`)
  })
})
