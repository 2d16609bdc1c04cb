/**
 * One file per output format of a report: text (the terminal, its colours in style.ts), JUnit,
 * TAP, HTML (with the picture drawn as SVG by picture-svg.ts); render.ts picks one, output.ts
 * writes each `-o` file and holds the flags of the commands that render a saved report. The
 * formats are loaded with import() by the runs that print a report.
 */
export {REPORT_FLAGS} from './output.js'
export type {Format} from './render.js'
export {emitReport, outputsOf, reportDisplay} from './output.js'
