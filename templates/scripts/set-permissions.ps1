<#
.SYNOPSIS
  Grants the Identity Manager service account its rights on the working directory: read and
  execute on the directory, Runtime (and Sources); Modify on Temp, Work (and Mails). Modify is
  the strongest right the agent-requirements page lists (Read, Modify, List folder contents,
  Write; "Other permissions should be denied"); the production-agent guide's
  directory-permissions page says Full control there, which adds changing permissions and taking
  ownership: this script follows the requirements page. Written by idm-preflight scaffold; safe
  to run again (grants are replaced).
.PARAMETER WhatIf
  Print the icacls commands without running them.
#>
param([switch]$WhatIf)
$ErrorActionPreference = 'Stop'
{{variables}}

function Grant-Right([string]$Path, [string]$Rights) {
  $grant = "${Account}:(OI)(CI)$Rights"
  if ($WhatIf) { Write-Host "icacls `"$Path`" /grant:r `"$grant`""; return }
  & icacls $Path /grant:r $grant | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls failed on $Path" }
  Write-Host "granted $Rights on $Path"
}

# The service reads its settings and certificates at start-up: read for the account on each file.
function Grant-FileRead([string]$Path) {
  if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { Write-Warning "$Path is not there yet: run this script again once it is"; return }
  if ($WhatIf) { Write-Host "icacls `"$Path`" /grant `"${Account}:R`""; return }
  & icacls $Path /grant "${Account}:R" | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls failed on $Path" }
  Write-Host "granted R on $Path"
}

{{grants}}
