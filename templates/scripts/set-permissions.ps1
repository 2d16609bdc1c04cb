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

# The account must be one of this host's (or of its domain): its name translates to a SID, or
# nothing is granted. An IIS AppPool account exists once its pool does (install-iis-site.ps1).
try {
  $null = ([System.Security.Principal.NTAccount]$Account).Translate([System.Security.Principal.SecurityIdentifier])
} catch {
  $why = "$Account is not an account here (its name translates to no SID): create it, or correct serviceAccount"
  if ($WhatIf) { Write-Warning $why } else { throw $why }
}

# Never through a link or a junction: a Temp or Runtime that points out of the working directory
# would carry the grants to where it points. Below the working directory, the path and each folder
# between it and the working directory are checked; a file outside it is the user's choice.
function Assert-NoLink([string]$Path) {
  $p = $Path
  while ($p -and $p.Length -gt $Root.Length -and $p.StartsWith($Root, [StringComparison]::OrdinalIgnoreCase)) {
    if ((Test-Path -LiteralPath $p) -and ((Get-Item -LiteralPath $p -Force).Attributes -band [System.IO.FileAttributes]::ReparsePoint)) {
      throw "$p is a link or a junction: not followed (make it a folder of the working directory, or remove it)"
    }
    $p = [System.IO.Path]::GetDirectoryName($p)
  }
}

function Grant-Right([string]$Path, [string]$Rights) {
  Assert-NoLink $Path
  $grant = "${Account}:(OI)(CI)$Rights"
  if ($WhatIf) { Write-Host "icacls `"$Path`" /grant:r `"$grant`""; return }
  & icacls $Path /grant:r $grant | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls failed on $Path" }
  Write-Host "granted $Rights on $Path"
}

# The service reads its settings and certificates at start-up: read for the account on each file.
function Grant-FileRead([string]$Path) {
  Assert-NoLink $Path
  if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { Write-Warning "$Path is not there yet: run this script again once it is"; return }
  if ($WhatIf) { Write-Host "icacls `"$Path`" /grant `"${Account}:R`""; return }
  & icacls $Path /grant "${Account}:R" | Out-Null
  if ($LASTEXITCODE -ne 0) { throw "icacls failed on $Path" }
  Write-Host "granted R on $Path"
}

{{grants}}
