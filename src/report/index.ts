/**
 * The report as data: one row per check instance with its verdict, the summary and the exit code,
 * reports of many hosts merged into one, saved reports read back and cleaned, the installation's
 * data-flow picture, and OpenSSL's messages in plain words. How a report is printed lives in
 * ./formats.
 */
export {placesAbout, systemHostOf} from './picture.js'
export type {Picture, PictureNode} from './picture.js'
export {exitCodeFor, isFailure, leftOutText, rowOrigin, summarize, worst} from './report.js'
export type {CheckResult, EnvironmentSummary, LeftOutSummary, Report} from './report.js'
export {plainTlsResult} from './tls-words.js'
export {pictureOf, placer, runHostOf} from './picture.js'
