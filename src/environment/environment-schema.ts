import {
  CONNECTION_TYPES,
  HTTP_APIS,
  LDAP_AUTH_TYPES,
  LDAP_SECURITY,
  PRODUCTS,
  SECURE_SOCKET_OPTIONS,
  STORE_LOCATIONS,
  STORE_NAMES,
  TOPOLOGIES,
} from '../model/index.js'
import {byCodeUnit} from '../base/index.js'

/** What the schema needs to know of each registered check. */
export interface CheckSchemaInfo {
  id: string
  summary: string
  settings?: Record<string, unknown>
}

export const ENVIRONMENT_SCHEMA_ID = 'https://idm-preflight.dev/schema/environment.schema.json'

/** A `${env:NAME}` or `${file:PATH}` reference: the whole value, nothing around it. */
export const SECRET_REF_PATTERN = '^\\$\\{(env:[A-Za-z_][A-Za-z0-9_]*|file:[^}]+)\\}$'

const certificate = {
  type: 'object',
  description: 'A certificate: a PFX file and its password, or a Windows certificate-store entry.',
  additionalProperties: false,
  properties: {
    file: {type: 'string', minLength: 1, description: 'PFX (PKCS#12) file, relative to this file or absolute'},
    password: {$ref: '#/$defs/secret', description: 'PFX password: ${env:NAME} or ${file:PATH}'},
    store: {
      type: 'object',
      additionalProperties: false,
      required: ['storeLocation', 'storeName'],
      properties: {
        thumbprint: {type: 'string', pattern: '^[0-9A-Fa-f]{40}$', description: 'SHA-1 thumbprint, 40 hex digits'},
        subject: {type: 'string', minLength: 3, description: 'Subject distinguished name, CN=...'},
        storeLocation: {enum: [...STORE_LOCATIONS]},
        storeName: {enum: [...STORE_NAMES]},
      },
    },
  },
}

/**
 * The product's rule for a connection identifier (the connector reference pages): unique, not
 * starting with a digit, none of < > : " / \ | ? * _.
 */
export const CONNECTION_IDENTIFIER_PATTERN = '^[^0-9<>:"/\\\\|?*_][^<>:"/\\\\|?*_]*$'

const connection = {
  type: 'object',
  additionalProperties: false,
  required: ['identifier', 'type'],
  description:
    "One connection: the key of the agent's Connections section and what it reaches. The keys that apply depend on type.",
  properties: {
    identifier: {
      type: 'string',
      minLength: 1,
      maxLength: 100,
      pattern: CONNECTION_IDENTIFIER_PATTERN,
      description:
        'The Connections key (ADExport, HRContoso…): not starting with a digit, none of < > : " / \\ | ? * _',
    },
    type: {enum: [...CONNECTION_TYPES], description: 'activeDirectory | ldap | sql | files | http'},
    servers: {
      type: 'array',
      minItems: 1,
      description: 'activeDirectory, ldap: the directory servers (domain controllers)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: {type: 'string', minLength: 1, maxLength: 253},
          port: {type: 'integer', minimum: 1, maximum: 65535, description: 'default 636 with ldaps, else 389'},
          baseDN: {type: 'string', minLength: 1, description: "this server's base DN (else the connection's)"},
        },
      },
    },
    baseDN: {type: 'string', minLength: 1, description: 'activeDirectory, ldap: DC=contoso,DC=com'},
    security: {
      enum: [...LDAP_SECURITY],
      description: 'activeDirectory, ldap: ldaps (default; EnableSSL), starttls, or none (cleartext)',
    },
    authType: {
      enum: [...LDAP_AUTH_TYPES],
      description: 'activeDirectory, ldap: Basic (login and password), Anonymous, or Negotiate (Kerberos)',
    },
    login: {
      type: 'string',
      minLength: 1,
      description: 'activeDirectory, ldap: the bind account (DN, user@domain or DOMAIN\\user)',
    },
    password: {$ref: '#/$defs/secret', description: 'activeDirectory, ldap, http: ${env:NAME} or ${file:PATH}'},
    filter: {
      type: 'string',
      minLength: 3,
      description: 'activeDirectory, ldap: the export filter, (objectclass=*) by default',
    },
    connectionString: {
      type: 'string',
      minLength: 1,
      description: 'sql: ADO.NET connection string; a reference when it holds a password',
    },
    path: {type: 'string', minLength: 1, description: 'files: the input file for complete synchronization'},
    pathIncremental: {
      type: 'string',
      minLength: 1,
      description: 'files: the input file for incremental synchronization',
    },
    isFileNameRegex: {type: 'boolean', description: 'files: the file name part of path is a regular expression'},
    outputFolders: {
      type: 'array',
      items: {type: 'string', minLength: 1},
      description: 'files: folders the connector writes into (the service account needs write there)',
    },
    api: {
      enum: [...HTTP_APIS],
      description:
        'http: the connector whose API this is: scim (default; Custom/SCIM, Salesforce, Slack, CyberArk) or servicenow',
    },
    url: {type: 'string', minLength: 1, description: 'http: the API base URL (https://…): Server'},
    username: {type: 'string', minLength: 1, description: 'http: the account (Login)'},
    token: {$ref: '#/$defs/secret', description: 'http: a generated OAuth token (OAuthToken)'},
    applicationId: {
      type: 'string',
      minLength: 1,
      description: "http, scim: the application's login (ApplicationId); the product gets a token with it",
    },
    applicationKey: {
      $ref: '#/$defs/secret',
      description: "http, scim: the application's password (ApplicationKey): ${env:NAME} or ${file:PATH}",
    },
    clientId: {type: 'string', minLength: 1, description: 'http, servicenow: the OAuth ClientId'},
    clientSecret: {
      $ref: '#/$defs/secret',
      description: 'http, servicenow: the OAuth ClientSecret: ${env:NAME} or ${file:PATH}',
    },
    oauth2Url: {
      type: 'string',
      minLength: 1,
      description: 'http: OAuth2Url, the token endpoint (SCIM: optional; ServiceNow: required with OAuth)',
    },
    settings: {
      type: 'object',
      description:
        "Further keys written as they are into the connection's settings (Filter, SqlCommand, Encoding, Separator…)",
      additionalProperties: {type: ['string', 'number', 'boolean']},
    },
  },
}

/**
 * Builds the environment file's JSON Schema: the core envelope (DESIGN.md §3) plus, under
 * `checks.settings`, the settings schema each check publishes. The result is committed as
 * `schema/environment.schema.json`; a test fails when the commit is stale.
 */
export function buildEnvironmentSchema(checks: readonly CheckSchemaInfo[]): Record<string, unknown> {
  const ids = checks.map((c) => c.id).sort()
  const settings: Record<string, unknown> = {}
  for (const c of [...checks].sort((a, b) => byCodeUnit(a.id, b.id))) {
    if (c.settings) settings[c.id] = {description: c.summary, ...c.settings}
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: ENVIRONMENT_SCHEMA_ID,
    title: 'idm-preflight environment file',
    description:
      'One Netwrix Identity Manager installation: topology, server, agents, SMTP, network and check settings.',
    type: 'object',
    additionalProperties: false,
    required: ['version', 'name', 'product', 'topology', 'organization', 'server'],
    properties: {
      $schema: {type: 'string'},
      version: {const: 1, description: 'Schema version of this file: 1'},
      name: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        description: 'A name for this environment, shown in reports',
      },
      product: {
        enum: [...PRODUCTS, 6.1, 6.2, 6.3],
        description:
          'Product version: "6.1", "6.2", "6.3" or "saas" (the current docs); picks the docs pages linked, the ASP.NET Core runtime (8; SaaS agents 10), and the permission profile (6.1: no write on the working directory itself)',
      },
      topology: {enum: [...TOPOLOGIES], description: 'saas | on-prem-integrated | on-prem-separate'},
      organization: {type: 'string', minLength: 1, maxLength: 100},
      server: {
        type: 'object',
        additionalProperties: false,
        required: ['url'],
        properties: {
          url: {
            type: 'string',
            minLength: 1,
            description: 'ApplicationUri: absolute URL, no trailing slash (https recommended; http is a warning)',
          },
          installed: {
            type: 'boolean',
            description:
              'On premises: the server is installed already, so its site, TLS and /hc are checked before installing an agent',
          },
          alias: {type: 'string', minLength: 1, maxLength: 253, description: 'DNS alias browsers and agents use'},
          workingDirectory: {type: 'string', minLength: 1},
          serviceAccount: {type: 'string', minLength: 1, description: 'DOMAIN\\user or IIS AppPool\\<pool>'},
          database: {
            type: 'object',
            additionalProperties: false,
            required: ['connectionString'],
            properties: {
              connectionString: {
                type: 'string',
                minLength: 1,
                description: 'ADO.NET connection string; a reference when it holds a password',
              },
              windowsCredentials: {
                type: 'object',
                additionalProperties: false,
                required: ['username', 'password'],
                description:
                  'With Integrated Security: the service account (DOMAIN\\user) and its password, to log in with NTLM from another host',
                properties: {username: {type: 'string', minLength: 1}, password: {$ref: '#/$defs/secret'}},
              },
              checkLogin: {
                type: 'object',
                additionalProperties: false,
                required: ['username', 'password'],
                description:
                  "Optional, for sql.requirements under Integrated Security: a read-only login the DBA gives for this check (a SQL login, or DOMAIN\\user for NTLM). It reads the version and MAXDOP and asks whether the service account's Windows login is db_owner and may bulk-load; it needs VIEW SERVER STATE and VIEW DEFINITION, nothing more",
                properties: {username: {type: 'string', minLength: 1}, password: {$ref: '#/$defs/secret'}},
              },
            },
          },
          encryptionCertificate: {$ref: '#/$defs/certificate'},
          identityServerCertificate: {$ref: '#/$defs/certificate'},
          tlsCertificate: {$ref: '#/$defs/certificate'},
          license: {$ref: '#/$defs/secret'},
        },
      },
      agents: {
        type: 'array',
        maxItems: 100,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['identifier'],
          properties: {
            identifier: {
              type: 'string',
              pattern: '^[A-Za-z0-9_-]+$',
              maxLength: 100,
              description: 'AgentIdentifier; never "Local"',
            },
            alias: {type: 'string', minLength: 1, maxLength: 253},
            url: {type: 'string', minLength: 1},
            workingDirectory: {type: 'string', minLength: 1},
            serviceAccount: {type: 'string', minLength: 1},
            encryptionCertificate: {$ref: '#/$defs/certificate'},
            identityServerCertificate: {$ref: '#/$defs/certificate'},
            tlsCertificate: {$ref: '#/$defs/certificate'},
            openIdClient: {
              type: 'object',
              additionalProperties: false,
              required: ['id'],
              properties: {id: {type: 'string', minLength: 1}, secret: {$ref: '#/$defs/secret'}},
            },
            sourcesRootPaths: {type: 'array', items: {type: 'string', minLength: 1}},
          },
        },
      },
      smtp: {
        type: 'object',
        additionalProperties: false,
        description: 'An SMTP server (host) or a pickup directory, not both',
        properties: {
          host: {type: 'string', minLength: 1, maxLength: 253},
          port: {type: 'integer', minimum: 1, maximum: 65535},
          secureSocketOption: {enum: [...SECURE_SOCKET_OPTIONS]},
          username: {type: 'string', minLength: 1},
          password: {$ref: '#/$defs/secret'},
          useDefaultCredentials: {type: 'boolean'},
          fromAddress: {type: 'string', format: 'email'},
          testRecipient: {type: 'string', format: 'email'},
          pickupDirectory: {type: 'string', minLength: 1},
        },
      },
      network: {
        type: 'object',
        additionalProperties: false,
        properties: {
          dnsServers: {
            type: 'array',
            minItems: 1,
            items: {type: 'string', minLength: 1, description: 'host or host:port ([v6]:port)'},
          },
          caFile: {type: 'string', minLength: 1, description: 'PEM bundle of extra trusted CAs (private PKI)'},
          httpsProxy: {type: 'string', description: 'The HTTPS_PROXY the product will see'},
          noProxy: {type: 'string', description: 'The NO_PROXY the product will see'},
        },
      },
      connectors: {
        type: 'array',
        maxItems: 200,
        description: 'Managed systems: per connector, the agent that runs it and its connections',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['identifier', 'connections'],
          properties: {
            identifier: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: 'The connector (AD, HR, ServiceNow…)',
            },
            agent: {
              type: 'string',
              minLength: 1,
              description:
                "The identifier of the agent that runs it (on premises with an integrated agent: the server's, may be left out)",
            },
            connections: {type: 'array', minItems: 1, maxItems: 50, items: {$ref: '#/$defs/connection'}},
          },
        },
      },
      checks: {
        type: 'object',
        additionalProperties: false,
        properties: {
          timeout: {
            type: ['string', 'number'],
            pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|min|h)?$',
            description: 'Per-check timeout: 5s, 1500ms, 1m',
          },
          concurrency: {type: 'integer', minimum: 1, maximum: 256},
          expiryWarningDays: {type: 'integer', minimum: 0, maximum: 3650},
          skip: {type: 'array', items: {$ref: '#/$defs/checkSelector'}},
          waivers: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'reason', 'until'],
              properties: {
                id: {enum: ids},
                target: {type: 'string', minLength: 1},
                reason: {type: 'string', minLength: 3},
                until: {type: 'string', format: 'date', description: 'YYYY-MM-DD; the waiver ends after this day'},
              },
            },
          },
          settings: {type: 'object', additionalProperties: false, properties: settings},
        },
      },
    },
    $defs: {
      secret: {
        type: 'string',
        pattern: SECRET_REF_PATTERN,
        description: 'A secret: ${env:NAME} or ${file:PATH} (quote it), never the value itself',
      },
      checkSelector: {
        type: 'string',
        pattern: '^[a-z0-9.*?-]+$',
        description: `A check id or glob: ${ids.join(', ')}`,
      },
      certificate,
      connection,
    },
  }
}
