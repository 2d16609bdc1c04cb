/**
 * Small helpers that know nothing of Identity Manager: errors and exit codes, durations, globs,
 * did-you-mean, quoting for shells, Windows path shapes, CommonJS libraries' exports (interop),
 * terminal control characters, one answer shared by many callers, and redaction (every printed
 * byte passes through it, so it sits here, on the lowest floor, where every room can reach it).
 */
export {formatDuration, parseTimeout} from './duration.js'
export {UsageError, formatDiagnostic} from './errors.js'
export type {Diagnostic} from './errors.js'
export {
  EXIT_CODES_HELP,
  ExitCode,
  ISSUES_URL,
  Interruption,
  exitCodesHelp,
  interruptedExitCode,
  interruptionName,
} from './exit-codes.js'
export {idMatcher, selectorToRegExp, splitList} from './glob.js'
export {commonJs} from './interop.js'
export {isWindowsPath} from './paths.js'
export {psString, shString} from './quote.js'
export {Redactor, clip, maskUrlPasswords, redactor, urlCredentials} from './redact.js'
export {abortable, sharedAnswers} from './shared-answer.js'
export {byCodeUnit, didYouMean, levenshtein} from './suggest.js'
export {controlCharacter, stripControl, stripControlDeep} from './terminal.js'
export {containing} from './suggest.js'
