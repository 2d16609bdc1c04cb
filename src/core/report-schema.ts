import {STATUSES} from './check.js'
import {FLOWS} from './check.js'

/** JSON Schema of the `--format json` report; committed as `schema/report.schema.json`. */
export function buildReportSchema(): Record<string, unknown> {
  const count = {type: 'integer', minimum: 0}
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://idm-preflight.dev/schema/report.schema.json',
    title: 'idm-preflight check report',
    type: 'object',
    additionalProperties: false,
    required: [
      'schemaVersion',
      'tool',
      'environment',
      'topology',
      'stage',
      'startedAt',
      'durationMs',
      'exitCode',
      'strict',
      'interrupted',
      'summary',
      'results',
      'notes',
    ],
    properties: {
      schemaVersion: {const: 1},
      tool: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'version'],
        properties: {name: {const: 'idm-preflight'}, version: {type: 'string'}},
      },
      environment: {type: 'string'},
      topology: {enum: ['saas', 'on-prem-integrated', 'on-prem-separate']},
      stage: {enum: ['before', 'after']},
      startedAt: {type: 'string', format: 'date-time'},
      durationMs: {type: 'integer', minimum: 0},
      exitCode: {enum: [0, 3, 4, 130]},
      strict: {type: 'boolean'},
      interrupted: {type: 'boolean'},
      summary: {
        type: 'object',
        additionalProperties: false,
        required: [...STATUSES],
        properties: Object.fromEntries(STATUSES.map((s) => [s, count])),
      },
      results: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'target', 'status', 'title', 'message', 'remediation', 'docs', 'durationMs', 'flow', 'data'],
          properties: {
            id: {type: 'string', pattern: '^[a-z0-9-]+\\.[a-z0-9.-]+$'},
            target: {type: 'string', minLength: 1},
            status: {enum: [...STATUSES]},
            title: {type: 'string'},
            message: {type: 'string'},
            remediation: {type: 'string'},
            docs: {type: 'string', format: 'uri'},
            durationMs: {type: 'integer', minimum: 0},
            flow: {enum: Object.keys(FLOWS)},
            waiver: {
              type: 'object',
              additionalProperties: false,
              required: ['reason', 'until', 'expired'],
              properties: {
                reason: {type: 'string'},
                until: {type: 'string', format: 'date'},
                expired: {type: 'boolean'},
              },
            },
            data: {},
          },
        },
      },
      notes: {type: 'array', items: {type: 'string'}},
    },
  }
}
