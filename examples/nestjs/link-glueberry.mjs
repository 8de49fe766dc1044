// Installs the repository's built package as examples/nestjs/node_modules/glueberry,
// so that `require('glueberry')` in this CommonJS example resolves the way it
// does in any application: by name, through node_modules and the package's
// own "exports" map.
//
// Why it is needed: ./package.json ("type": "commonjs") makes this folder a
// package scope of its own, and Node resolves a package's self-reference
// ('glueberry' from inside the repository) only within the scope of the
// package.json that carries that name. `npm install` of the "file:../.."
// dependency would symlink node_modules/glueberry to the repository root,
// which creates a directory cycle (…/glueberry/examples/nestjs/node_modules/
// glueberry/…) that recursive tools follow forever. So instead: a copy of the
// root manifest's resolution fields, plus a symlink to the built dist/.
//
//   node examples/nestjs/link-glueberry.mjs     (needs `npm run build` first)
import { existsSync } from 'node:fs'
import { lstat, mkdir, readFile, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const target = path.join(here, 'node_modules', 'glueberry')

if (!existsSync(path.join(root, 'dist', 'lib', 'index.js'))) {
  console.error('glueberry is not built: run `npm run build` at the repository root first')
  process.exit(1)
}

const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
// Only what resolution needs: the shim has no dependencies of its own, since
// Node follows the dist/ symlink to its real path and resolves glueberry's
// dependencies from the repository's node_modules.
const manifest = {
  name: rootManifest.name,
  version: rootManifest.version,
  type: rootManifest.type,
  main: rootManifest.main,
  types: rootManifest.types,
  exports: rootManifest.exports,
  sideEffects: rootManifest.sideEffects
}
await mkdir(target, { recursive: true })
await writeIfChanged(path.join(target, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')
await linkDir(path.relative(target, path.join(root, 'dist')), path.join(target, 'dist'))

/** Writes through a temporary file and a rename, so a concurrent reader never sees half a file. */
async function writeIfChanged (file, text) {
  const current = await readFile(file, 'utf8').catch(() => undefined)
  if (current === text) return
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text)
  await rename(tmp, file)
}

/** Points `link` at `to` (relative to the link's folder), replacing anything else found there. */
async function linkDir (to, link) {
  // Windows junctions store an absolute target: compare resolved paths.
  const pointsTo = async () => path.resolve(path.dirname(link), await readlink(link))
  const wanted = path.resolve(path.dirname(link), to)
  const stat = await lstat(link).catch(() => undefined)
  if (stat?.isSymbolicLink() === true && await pointsTo() === wanted) return
  if (stat !== undefined) await rm(link, { recursive: true, force: true })
  try {
    await symlink(to, link, 'junction')
  } catch (err) {
    // Another run (a test, a second terminal) made the same link meanwhile.
    if (err.code !== 'EEXIST' || await pointsTo() !== wanted) throw err
  }
}
