#!/usr/bin/env node
// Written so that any Node.js since 14 parses it: on one older than 22, one line says what is
// needed and how to get it (no stack trace), before anything that needs a recent Node is loaded.
var found = process.versions.node
if (Number(found.split('.')[0]) < 22) {
  process.stderr.write(
    'idm-preflight needs Node.js 22 or later; found ' +
      found +
      ' (' +
      process.execPath +
      '). From a clone, run bin/idm-preflight instead (it brings Node 22 from the npm registry on first use), or install Node 22 from https://nodejs.org\n',
  )
  process.exit(1)
}

/*
 * The CLI is one CommonJS file, dist/bundle/idm-preflight.cjs (npm run build writes it; the heavy
 * libraries are files of their own in dist/bundle/lib, required when a run uses them). It is
 * compiled here with a V8 code cache made at the end of an earlier run of the same command: such a
 * cache holds every function that run compiled, where Node's own compile cache holds top levels
 * only (a `check --plan` would compile the YAML parser, oclif and the checks again at every start).
 *
 * The caches live in a folder of the user's own: $XDG_CACHE_HOME/idm-preflight (else
 * ~/.cache/idm-preflight; %LOCALAPPDATA%\idm-preflight on Windows), or IDM_PREFLIGHT_CACHE_DIR. A
 * code cache is code: one is read only from a folder and a file this user owns that nobody else
 * can write, one file per command word and build (the bundle's first line names its build), and
 * written whole or not at all. IDM_PREFLIGHT_NO_CODE_CACHE=1 turns it off. Anything wrong with a
 * cache only costs the time it would have saved.
 */
var here = import.meta.url
import('node:module')
  .then(function (m) {
    var require = m.createRequire(here)
    var path = require('node:path')
    var root = path.dirname(path.dirname(require('node:url').fileURLToPath(here)))
    var cacheDir = ownCacheDir(require)
    // Node's compile cache (for this file, the libraries' files and the worker) in the same folder,
    // not one shared by every user in the temporary folder.
    if (m.enableCompileCache) m.enableCompileCache(cacheDir ? path.join(cacheDir, 'node') : undefined)
    var cli = load(require, path.join(root, 'dist', 'bundle', 'idm-preflight.cjs'), cacheDir)
    return cli.start(root)
  })
  .catch(function (e) {
    process.stderr.write('idm-preflight: ' + (e && e.message ? e.message : String(e)) + '\n')
    process.exit(1)
  })

/** The user's cache folder for idm-preflight, made when missing; undefined when not private. */
function ownCacheDir(require) {
  var env = process.env
  if (env.IDM_PREFLIGHT_NO_CODE_CACHE && env.IDM_PREFLIGHT_NO_CODE_CACHE !== '0') return undefined
  var path = require('node:path')
  var dir = env.IDM_PREFLIGHT_CACHE_DIR
  if (!dir || !path.isAbsolute(dir)) {
    var win = process.platform === 'win32'
    var base = win ? env.LOCALAPPDATA : env.XDG_CACHE_HOME
    if (!base || !path.isAbsolute(base)) {
      var home = require('node:os').homedir()
      if (!home) return undefined
      base = win ? path.join(home, 'AppData', 'Local') : path.join(home, '.cache')
    }
    dir = path.join(base, 'idm-preflight')
  }
  return privateDir(require('node:fs'), dir) ? dir : undefined
}

/** True when `dir` is (or is now) a folder, not a link, of this user's that nobody else can write. */
function privateDir(fs, dir) {
  try {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    return ownedAndClosed(fs.lstatSync(dir)) && fs.lstatSync(dir).isDirectory()
  } catch {
    return false
  }
}

function ownedAndClosed(st) {
  if (process.platform === 'win32') return true
  return st.uid === process.getuid() && (st.mode & 0o022) === 0
}

/** Compiles and runs the bundle (with its code cache when there is a good one); its exports. */
function load(require, file, cacheDir) {
  var fs = require('node:fs')
  var path = require('node:path')
  var vm = require('node:vm')
  var missing = function (e) {
    return new Error(
      file +
        ' cannot be read (' +
        (e && e.code ? e.code : e) +
        '): run `npm run build` in ' +
        path.dirname(path.dirname(path.dirname(file))) +
        ', or bin/idm-preflight, which builds when needed',
    )
  }
  // No folder of the user's own to keep a code cache in: Node's compile cache (top levels) it is.
  if (!cacheDir) {
    if (!fs.existsSync(file)) throw missing({code: 'ENOENT'})
    return require(file)
  }
  var source
  try {
    // Latin-1: a one-byte string, no UTF-8 decoding (the build checks that the bundle is ASCII).
    source = fs.readFileSync(file, 'latin1')
  } catch (e) {
    throw missing(e)
  }
  var head = /^\/\*idm-preflight (\{[^\n]*\})\*\/\n/.exec(source)
  var info = head ? JSON.parse(head[1]) : undefined
  // A bundle without its first line (not one the build wrote): run as it is, no code cache.
  if (!info) return require(file)
  var codeDir = path.join(cacheDir, 'code')
  var name, cached
  {
    var st = fs.statSync(file)
    var argv = process.argv.slice(2)
    // One cache per command word (a command run with --help compiles other functions than the
    // command itself), per build of the bundle and per Node.js, and per set of Node.js options (V8
    // refuses a cache made under other V8 flags: runs with and without NODE_OPTIONS in turn would
    // otherwise each make it again).
    var word = argv[0] && info.words.indexOf(argv[0]) >= 0 ? argv[0] : 'none'
    if (argv.indexOf('--help') >= 0 || argv.indexOf('-h') >= 0) word += '-help'
    var parts = [word, info.build, st.size, Math.floor(st.mtimeMs), process.version, process.arch]
    var options = (process.env.NODE_OPTIONS || '') + '\0' + process.execArgv.join('\0')
    if (options !== '\0') parts.push('o' + fnv1a(options))
    name = parts.join('.') + '.v8'
    cached = readPrivate(fs, path.join(codeDir, name))
  }
  var script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\n})', {
    filename: file,
    cachedData: cached,
    // What few import() the bundle keeps (a library's loader for plugins it never has here) load
    // as they would in a module of the application.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (!cached || script.cachedDataRejected)
    process.once('exit', function () {
      writePrivate(fs, path, codeDir, name, function () {
        return script.createCachedData()
      })
    })
  var mod = {exports: {}}
  script.runInThisContext()(mod.exports, require('node:module').createRequire(file), mod, file, path.dirname(file))
  return mod.exports
}

/** A short hash of a string (32-bit FNV-1a, hex): only to tell sets of options apart in a name. */
function fnv1a(text) {
  var h = 0x811c9dc5
  for (var i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16)
}

/** A cache file's bytes, when it is a regular file of this user's that nobody else can write. */
function readPrivate(fs, file) {
  var fd
  try {
    // Not through a link, and without waiting on a FIFO for a writer (then refused: not a file).
    var c = fs.constants
    fd = fs.openSync(file, c.O_RDONLY | (c.O_NOFOLLOW || 0) | (c.O_NONBLOCK || 0))
    var st = fs.fstatSync(fd)
    if (!st.isFile() || !ownedAndClosed(st) || st.size > 256 * 1024 * 1024) return undefined
    var buf = Buffer.allocUnsafe(st.size)
    var at = 0
    while (at < st.size) {
      var n = fs.readSync(fd, buf, at, st.size - at, at)
      if (n === 0) return undefined
      at += n
    }
    return buf
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Writes a cache file whole (a new file renamed over the old). A command word keeps its newest
 * caches only, KEEP of them (two installations or two Node.js used in turn keep one each), and a
 * file a killed run left half written goes after an hour.
 */
var KEEP = 3
function writePrivate(fs, path, dir, name, data) {
  var tmp = path.join(dir, name + '.' + process.pid + '.tmp')
  try {
    if (!privateDir(fs, dir)) return
    fs.writeFileSync(tmp, data(), {mode: 0o600, flag: 'wx'})
    fs.renameSync(tmp, path.join(dir, name))
    var word = name.slice(0, name.indexOf('.') + 1)
    var now = Date.now()
    var caches = []
    fs.readdirSync(dir).forEach(function (f) {
      var file = path.join(dir, f)
      if (/\.tmp$/.test(f)) {
        if (now - fs.lstatSync(file).mtimeMs > 3600 * 1000) fs.rmSync(file, {force: true})
      } else if (f.slice(0, word.length) === word && /\.v8$/.test(f))
        caches.push({file: file, time: f === name ? Infinity : fs.lstatSync(file).mtimeMs})
    })
    caches
      .sort(function (a, b) {
        return b.time - a.time
      })
      .slice(KEEP)
      .forEach(function (c) {
        fs.rmSync(c.file, {force: true})
      })
  } catch {
    try {
      fs.rmSync(tmp, {force: true})
    } catch {
      // nothing more to do: the next run makes the cache again
    }
  }
}
