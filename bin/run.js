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
 * The caches live in $XDG_CACHE_HOME/idm-preflight/code (else ~/.cache/idm-preflight/code;
 * %LOCALAPPDATA%\idm-preflight\code on Windows), or IDM_PREFLIGHT_CACHE_DIR/code (an absolute
 * path; on Windows one inside the user's profile). A code cache is code: one is read only from a
 * folder and a file this user owns that nobody else can write, never through a link or from a
 * FIFO, and only when its header names it (command word, build, Node.js, options) and the CRC-32
 * of its bytes matches (V8 itself checks neither: a damaged cache would crash every run). One is
 * written only after a run that did its work (exit 0, 3 or 4), to a new file synced and renamed
 * into place. IDM_PREFLIGHT_NO_CODE_CACHE=1 turns it off. Anything wrong with a cache only costs
 * the time it would have saved.
 */
var here = import.meta.url
import('node:module')
  .then(function (m) {
    var require = m.createRequire(here)
    var path = require('node:path')
    var root = path.dirname(path.dirname(require('node:url').fileURLToPath(here)))
    var cacheDir = ownCacheDir(require)
    var fs = require('node:fs')
    // Node's compile cache (for this file and the libraries' files) in the same folder when nobody
    // else can write there, not in one every user shares in the temporary folder.
    if (m.enableCompileCache)
      m.enableCompileCache(cacheDir && privateDir(fs, cacheDir) ? path.join(cacheDir, 'node') : undefined)
    var codeDir = cacheDir && privateDir(fs, path.join(cacheDir, 'code')) ? path.join(cacheDir, 'code') : undefined
    var cli = load(require, path.join(root, 'dist', 'bundle', 'idm-preflight.cjs'), codeDir)
    return cli.start(root)
  })
  .catch(function (e) {
    process.stderr.write('idm-preflight: ' + (e && e.message ? e.message : String(e)) + '\n')
    process.exit(1)
  })

/** DEBUG=idm-preflight:code-cache (or idm-preflight:*) says on stderr what became of the cache. */
function say(what) {
  if (/(^|[\s,])idm-preflight:(code-cache|\*)($|[\s,])/.test(process.env.DEBUG || ''))
    process.stderr.write('idm-preflight:code-cache ' + what + '\n')
}

/** The user's cache folder for idm-preflight (made by privateDir when used), or undefined. */
function ownCacheDir(require) {
  var env = process.env
  if (env.IDM_PREFLIGHT_NO_CODE_CACHE && env.IDM_PREFLIGHT_NO_CODE_CACHE !== '0') return undefined
  var path = require('node:path')
  var win = process.platform === 'win32'
  var home
  try {
    home = require('node:os').homedir()
  } catch {
    // No HOME and no account entry (a container run as a bare user id).
  }
  var dir = env.IDM_PREFLIGHT_CACHE_DIR
  if (dir && path.isAbsolute(dir)) {
    // Windows: no owner or mode to check, so only a folder in the user's profile (its ACL).
    if (win && !(home && isInside(path, home, dir))) return undefined
  } else {
    var base = win ? env.LOCALAPPDATA : env.XDG_CACHE_HOME
    if (!base || !path.isAbsolute(base)) {
      if (!home) return undefined
      base = win ? path.join(home, 'AppData', 'Local') : path.join(home, '.cache')
    }
    dir = path.join(base, 'idm-preflight')
  }
  return dir
}

function isInside(path, parent, child) {
  var r = path.relative(parent, child)
  return r !== '' && r.split(path.sep)[0] !== '..' && !path.isAbsolute(r)
}

/** True when `dir` is (or is now) a folder, not a link, of this user's that nobody else can write. */
function privateDir(fs, dir) {
  try {
    fs.mkdirSync(dir, {recursive: true, mode: 0o700})
    var st = fs.lstatSync(dir)
    return st.isDirectory() && ownedAndClosed(st)
  } catch {
    return false
  }
}

function ownedAndClosed(st) {
  if (process.platform === 'win32') return true
  return st.uid === process.getuid() && (st.mode & 0o022) === 0
}

/** Compiles and runs the bundle (with its code cache when there is a good one); its exports. */
function load(require, file, codeDir) {
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
  if (!codeDir) {
    say("none: no folder of this user's own (or IDM_PREFLIGHT_NO_CODE_CACHE)")
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
  if (!info) {
    say('none: ' + file + ' has no build line')
    return require(file)
  }
  // CRC-32 of a cache's bytes (node:zlib's, from Node.js 22.2), hex; loaded only where a cache is.
  var crc32 = function (bytes) {
    var zlib = require('node:zlib')
    return typeof zlib.crc32 === 'function' ? zlib.crc32(bytes).toString(16) : undefined
  }
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
  var name = parts.join('.') + '.v8'
  var cacheFile = path.join(codeDir, name)
  var found = readPrivate(fs, cacheFile, name, crc32)
  var cached = found.data
  if (found.why) say(cacheFile + ': not read: ' + found.why)
  var script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\n})', {
    filename: file,
    cachedData: cached,
    // What few import() the bundle keeps (a library's loader for plugins it never has here) load
    // as they would in a module of the application.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (cached) say(cacheFile + ': ' + (script.cachedDataRejected ? 'refused by V8' : 'taken'))
  if (!cached || script.cachedDataRejected)
    process.once('exit', function (code) {
      // Only after a run that did its work: one stopped early (a usage error, a crash, Ctrl-C)
      // compiled little, and its cache, taken from then on, would keep that command slow.
      if (code !== 0 && code !== 3 && code !== 4) return say('not written: the run ended with exit ' + code)
      // The output is all out: a Ctrl-C in the few milliseconds of the write changes no exit code.
      process.on('SIGINT', function () {})
      process.on('SIGTERM', function () {})
      say(
        cacheFile +
          ': ' +
          writePrivate(fs, path, codeDir, name, crc32, function () {
            return script.createCachedData()
          }),
      )
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

/**
 * A cache file is a header, then V8's bytes:
 *   idm-preflight code cache\n<its name>\n<CRC-32 of the bytes, hex>\n<their length>\n
 */
var MAGIC = 'idm-preflight code cache\n'

/**
 * A cache file's V8 bytes ({data}) when it is a regular file of this user's that nobody else can
 * write, its header names it and its bytes are whole; else why not ({why}).
 */
function readPrivate(fs, file, name, crc32) {
  var fd
  try {
    // Not through a link, and without waiting on a FIFO for a writer (then refused: not a file).
    var c = fs.constants
    fd = fs.openSync(file, c.O_RDONLY | (c.O_NOFOLLOW || 0) | (c.O_NONBLOCK || 0))
    var st = fs.fstatSync(fd)
    if (!st.isFile()) return {why: 'not a regular file'}
    if (!ownedAndClosed(st)) return {why: "not this user's, or others can write it"}
    if (st.size > 256 * 1024 * 1024) return {why: 'larger than 256 MB'}
    var buf = Buffer.allocUnsafe(st.size)
    var at = 0
    while (at < st.size) {
      var n = fs.readSync(fd, buf, at, st.size - at, at)
      if (n === 0) return {why: 'shorter than it said'}
      at += n
    }
    var head = buf.latin1Slice(0, Math.min(buf.length, 1024)).split('\n', 4)
    if (head.length < 4 || head[0] + '\n' !== MAGIC || head[1] !== name) return {why: 'not a cache of this name'}
    var data = buf.subarray(head.join('\n').length + 1)
    if (String(data.length) !== head[3] || crc32(data) !== head[2]) return {why: 'damaged (length or CRC-32)'}
    return {data: data}
  } catch (e) {
    return {why: e && e.code === 'ENOENT' ? 'none yet' : String((e && e.code) || e)}
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function writeAll(fs, fd, bytes) {
  for (var at = 0; at < bytes.length;) at += fs.writeSync(fd, bytes, at, bytes.length - at)
}

/**
 * Writes a cache file whole (a new file renamed over the old). A command word keeps its newest
 * caches only, KEEP of them (two installations or two Node.js used in turn keep one each), and a
 * file a killed run left half written goes after an hour.
 */
var KEEP = 3
function writePrivate(fs, path, dir, name, crc32, data) {
  var tmp = path.join(dir, name + '.' + process.pid + '.tmp')
  try {
    if (!privateDir(fs, dir)) return "not written: the folder is not this user's alone"
    var bytes = data()
    var sum = crc32(bytes)
    if (sum === undefined) return 'not written: this Node.js has no zlib.crc32'
    var fd = fs.openSync(tmp, 'wx', 0o600)
    try {
      writeAll(fs, fd, Buffer.from(MAGIC + name + '\n' + sum + '\n' + bytes.length + '\n', 'latin1'))
      writeAll(fs, fd, bytes)
      // On disk before it takes the name: a power cut leaves the old file or the whole new one.
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
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
    return 'written (' + bytes.length + ' bytes)'
  } catch (e) {
    try {
      fs.rmSync(tmp, {force: true})
    } catch {
      // nothing more to do: the next run makes the cache again
    }
    return 'not written: ' + String((e && e.code) || e)
  }
}
