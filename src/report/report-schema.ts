import {STATUSES, FLOWS} from '../model/index.js'

/** JSON Schema of the `--format json` report; committed as `schema/report.schema.json`. */
export function buildReportSchema(): Record<string, unknown> {
  const count = {type: 'integer', minimum: 0}
  const summary = {
    type: 'object',
    additionalProperties: false,
    required: [...STATUSES],
    properties: Object.fromEntries(STATUSES.map((s) => [s, count])),
  }
  const runHost = {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: {
      name: {type: 'string'},
      agent: {type: 'string'},
      component: {type: 'string'},
      role: {
        enum: ['server', 'agent', 'all'],
        description: "the run's role: --server, --agent, or every check from this host (absent: all)",
      },
    },
  }
  const leftOut = {
    type: 'object',
    additionalProperties: false,
    required: ['instances', 'checks', 'server', 'agents'],
    properties: {
      instances: count,
      checks: {type: 'array', items: {type: 'string'}},
      server: {type: 'boolean', description: 'check --server checks some of them'},
      agents: {
        type: 'array',
        items: {type: 'string'},
        description: 'the agents whose check --agent ID checks the others',
      },
    },
  }
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
      // `mixed`: a merge of both stages (report merge --allow-mixed-stages), each row with its own.
      stage: {enum: ['before', 'after', 'mixed']},
      startedAt: {type: 'string', format: 'date-time'},
      durationMs: {type: 'integer', minimum: 0},
      exitCode: {enum: [0, 3, 4, 130, 143]},
      strict: {type: 'boolean'},
      interrupted: {type: 'boolean'},
      summary,
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
            // A page to read: https only (a report is input; `javascript:` and the like are refused).
            docs: {type: 'string', format: 'uri', pattern: '^https://'},
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
            place: {type: 'string'},
            host: {type: 'string'},
            hosts: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['host', 'status', 'message'],
                properties: {
                  host: {type: 'string'},
                  status: {enum: [...STATUSES]},
                  message: {type: 'string'},
                  remediation: {type: 'string'},
                },
              },
            },
            stage: {enum: ['before', 'after']},
          },
        },
      },
      notes: {type: 'array', items: {type: 'string'}},
      // What a run with --server or --agent left out, and the runs that check it.
      leftOut,
      host: runHost,
      picture: {
        type: 'object',
        additionalProperties: false,
        required: ['nodes', 'links'],
        properties: {
          nodes: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'kind', 'label'],
              properties: {
                id: {type: 'string'},
                kind: {enum: ['browsers', 'server', 'database', 'agent', 'smtp', 'proxy', 'dns', 'system']},
                label: {type: 'array', items: {type: 'string'}},
              },
            },
          },
          links: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'from', 'to'],
              properties: {id: {type: 'string'}, from: {type: 'string'}, to: {type: 'string'}},
            },
          },
        },
      },
      environmentSummary: {
        type: 'object',
        additionalProperties: false,
        required: ['product', 'organization', 'server', 'agents'],
        properties: {
          product: {type: 'string'},
          organization: {type: 'string'},
          server: {type: 'string'},
          agents: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['identifier'],
              properties: {identifier: {type: 'string'}, url: {type: 'string'}},
            },
          },
          smtp: {type: 'string'},
          proxy: {type: 'string'},
          dnsServers: {type: 'array', items: {type: 'string'}},
          connections: {type: 'array', items: {type: 'string'}},
        },
      },
      runs: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['host', 'stage', 'startedAt', 'exitCode', 'summary', 'file'],
          properties: {
            host: runHost,
            label: {type: 'string'},
            stage: {enum: ['before', 'after']},
            startedAt: {type: 'string', format: 'date-time'},
            exitCode: {type: 'integer'},
            summary: summary,
            file: {type: 'string'},
            leftOut,
          },
        },
      },
    },
  }
}
