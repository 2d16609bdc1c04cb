<#
.SYNOPSIS
  Creates (or brings in line) the IIS application pool and site of this Identity Manager
  installation. The "Install the Agents" and "Install the Server" pages make No Managed Code
  mandatory and recommend AlwaysRunning, idle time-out 0, Load User Profile and no periodic
  recycling: this script sets all five, and an https binding for the URL's host name with the
  certificate. Written by idm-preflight scaffold.
.DESCRIPTION
  Safe to run again: what is already right is left alone, and only what differs is changed (each
  change is printed). Nothing is removed: not the Default Web Site, not another binding.
  Run it as an administrator, after IIS and before (or after) the ASP.NET Core Hosting Bundle.
  idm-preflight check --stage after (host.iis) verifies the result.
.PARAMETER Credential
  The password of the service account when the pool runs as a domain account (not needed for
  the pool's own identity or a gMSA): -Credential (Get-Credential 'CONTOSO\svc-idm').
.PARAMETER PfxPassword
  The password of the PFX file to import for the https binding (asked for when not given).
.EXAMPLE
  .\install-iis-site.ps1 -WhatIf
  Shows what would be created or changed, changes nothing.
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
  [System.Management.Automation.PSCredential]$Credential,
  [System.Security.SecureString]$PfxPassword
)
$ErrorActionPreference = 'Stop'
{{variables}}

$script:Changes = 0
function Set-Change([string]$Target, [string]$Action, [scriptblock]$Do) {
  if ($PSCmdlet.ShouldProcess($Target, $Action)) {
    & $Do
    Write-Host "$Target : $Action"
  }
  $script:Changes++
}

Import-Module WebAdministration
$PhysicalPath = Join-Path $Root 'Runtime'
if (-not (Test-Path -LiteralPath $PhysicalPath -PathType Container)) {
  Write-Warning "$PhysicalPath does not exist yet: extract the runtime archive there (the site serves it)"
}

# ---------------------------------------------------------------------------- application pool
$PoolPath = "IIS:\AppPools\$PoolName"
if (-not (Test-Path -LiteralPath $PoolPath)) {
  Set-Change "pool $PoolName" 'create' { New-WebAppPool -Name $PoolName | Out-Null }
}
$pool = if (Test-Path -LiteralPath $PoolPath) { Get-Item -LiteralPath $PoolPath } else { $null }
# Each setting: its name in applicationHost.config, the value to set, the value now, and what the
# agent and server pages say of it (mandatory, or recommended with their reason when they give one).
$settings = @(
  @{ name = 'managedRuntimeVersion'; want = ''; now = if ($pool) { [string]$pool.managedRuntimeVersion } else { $null }; why = 'No Managed Code: mandatory' },
  @{ name = 'startMode'; want = 'AlwaysRunning'; now = if ($pool) { [string]$pool.startMode } else { $null }; why = 'recommended: the scheduler is not launched until a request starts the site' },
  @{ name = 'processModel.idleTimeout'; want = [TimeSpan]::Zero; now = if ($pool) { $pool.processModel.idleTimeout } else { $null }; why = 'recommended' },
  @{ name = 'processModel.loadUserProfile'; want = $true; now = if ($pool) { $pool.processModel.loadUserProfile } else { $null }; why = 'Load User Profile: recommended' },
  @{ name = 'recycling.periodicRestart.time'; want = [TimeSpan]::Zero; now = if ($pool) { $pool.recycling.periodicRestart.time } else { $null }; why = 'no periodic recycling: recommended, it disrupts the server-agent connection and the job scheduler' }
)
foreach ($s in $settings) {
  if ($null -ne $s.now -and "$($s.now)" -eq "$($s.want)") { continue }
  $shown = if ("$($s.want)" -eq '') { "''" } else { "$($s.want)" }
  Set-Change "pool $PoolName" "set $($s.name) to $shown ($($s.why))" { Set-ItemProperty -LiteralPath $PoolPath -Name $s.name -Value $s.want }
}

# The pool's identity: the service account the permission script grants rights to.
if ($Account -match '^IIS AppPool\\(.+)$') {
  if ($Matches[1] -ne $PoolName) { Write-Warning "$Account is the identity of pool $($Matches[1]), not of $PoolName" }
  if ($null -eq $pool -or [string]$pool.processModel.identityType -ne 'ApplicationPoolIdentity') {
    Set-Change "pool $PoolName" 'run as ApplicationPoolIdentity' { Set-ItemProperty -LiteralPath $PoolPath -Name processModel.identityType -Value 'ApplicationPoolIdentity' }
  }
} elseif ($Account -ne '') {
  $same = $null -ne $pool -and [string]$pool.processModel.identityType -eq 'SpecificUser' -and [string]$pool.processModel.userName -eq $Account
  if ($Account.EndsWith('$')) {
    # A group managed service account: Windows holds its password.
    if (-not $same) {
      Set-Change "pool $PoolName" "run as $Account (gMSA)" {
        Set-ItemProperty -LiteralPath $PoolPath -Name processModel -Value @{ identityType = 'SpecificUser'; userName = $Account; password = '' }
      }
    }
  } elseif ($Credential) {
    # Given, it is set (the password may have changed); without it, a pool already running as the account is left alone.
    if ($Credential.UserName -ne $Account) { Write-Warning "-Credential is $($Credential.UserName), the environment file says $Account" }
    Set-Change "pool $PoolName" "run as $($Credential.UserName)" {
      Set-ItemProperty -LiteralPath $PoolPath -Name processModel -Value @{ identityType = 'SpecificUser'; userName = $Credential.UserName; password = $Credential.GetNetworkCredential().Password }
    }
  } elseif (-not $same) {
    $quoted = $Account -replace '[''\u2018\u2019\u201a\u201b]', '$0$0'
    Write-Warning "pool $PoolName does not run as ${Account}: run again with -Credential (Get-Credential '$quoted'), or set it in IIS Manager (Application Pools > $PoolName > Advanced Settings > Identity)"
  }
}

# ---------------------------------------------------------------------------------- certificate
$CertThumbprint = $Thumbprint
if ($CertThumbprint -eq '' -and $CertSubject -ne '') {
  $found = @(Get-ChildItem -LiteralPath "Cert:\LocalMachine\$CertStoreName" | Where-Object { $_.Subject -eq $CertSubject })
  if ($found.Count -eq 0) { Write-Warning "no certificate with subject $CertSubject in LocalMachine\$CertStoreName" }
  else { $CertThumbprint = $found[0].Thumbprint }
}
# A PFX file: imported once (scaffold read its thumbprint, so a certificate already there is not imported again).
if ($PfxFile -ne '') {
  $there = $CertThumbprint -ne '' -and (Test-Path -LiteralPath "Cert:\LocalMachine\$CertStoreName\$CertThumbprint")
  if ($there) {
  } elseif (-not (Test-Path -LiteralPath $PfxFile -PathType Leaf)) {
    Write-Warning "$PfxFile is not there: copy the TLS certificate there, or bind one in IIS Manager"
  } elseif ($PSCmdlet.ShouldProcess("Cert:\LocalMachine\$CertStoreName", "import $PfxFile")) {
    if (-not $PfxPassword) { $PfxPassword = Read-Host -AsSecureString "Password of $PfxFile" }
    $imported = (Import-PfxCertificate -FilePath $PfxFile -CertStoreLocation "Cert:\LocalMachine\$CertStoreName" -Password $PfxPassword).Thumbprint
    if ($CertThumbprint -ne '' -and $imported -ne $CertThumbprint) { throw "$PfxFile holds certificate $imported, not $CertThumbprint as when scaffold read it: run idm-preflight scaffold again" }
    $CertThumbprint = $imported
    Write-Host "imported $PfxFile : $CertThumbprint"
    $script:Changes++
  } else {
    $script:Changes++
  }
}
if ($CertThumbprint -eq '' -and $CertSubject -eq '' -and $PfxFile -eq '') {
  Write-Warning 'the environment file names no tlsCertificate: bind the certificate in IIS Manager (Sites > Bindings > https)'
}

# ----------------------------------------------------------------------------------------- site
# SNI needs a host name; an https binding without one serves any name on the port.
$SslFlags = if ($HostName -ne '') { 1 } else { 0 }
if (-not (Test-Path -LiteralPath "IIS:\Sites\$SiteName")) {
  # A site made by hand for this runtime is brought in line under its own name, not doubled.
  $serving = @(Get-ChildItem -LiteralPath 'IIS:\Sites' | Where-Object { [Environment]::ExpandEnvironmentVariables([string]$_.physicalPath).TrimEnd('\') -eq $PhysicalPath.TrimEnd('\') })
  if ($serving.Count -gt 0) {
    if ($serving.Count -gt 1) { Write-Warning "$($serving.Count) sites serve ${PhysicalPath}: $(($serving | ForEach-Object { $_.name }) -join ', '); using the first" }
    $SiteName = [string]$serving[0].name
    Write-Host "site $SiteName serves $PhysicalPath already: bringing it in line"
  }
}
$SitePath = "IIS:\Sites\$SiteName"
if (-not (Test-Path -LiteralPath $SitePath)) {
  Set-Change "site $SiteName" "create on $PhysicalPath, pool $PoolName, https *:${Port}:$HostName" {
    New-Website -Name $SiteName -PhysicalPath $PhysicalPath -ApplicationPool $PoolName -Ssl -Port $Port -HostHeader $HostName -SslFlags $SslFlags | Out-Null
  }
} else {
  $site = Get-Item -LiteralPath $SitePath
  if ([Environment]::ExpandEnvironmentVariables([string]$site.physicalPath) -ne $PhysicalPath) {
    Set-Change "site $SiteName" "serve $PhysicalPath (was $($site.physicalPath))" { Set-ItemProperty -LiteralPath $SitePath -Name physicalPath -Value $PhysicalPath }
  }
  if ([string]$site.applicationPool -ne $PoolName) {
    Set-Change "site $SiteName" "run in pool $PoolName (was $($site.applicationPool))" { Set-ItemProperty -LiteralPath $SitePath -Name applicationPool -Value $PoolName }
  }
  $existing = @(Get-WebBinding -Name $SiteName | Where-Object { $_.protocol -eq 'https' -and $_.bindingInformation -eq "*:${Port}:$HostName" })
  if ($existing.Count -eq 0) {
    Set-Change "site $SiteName" "add binding https *:${Port}:$HostName" {
      New-WebBinding -Name $SiteName -Protocol https -Port $Port -HostHeader $HostName -SslFlags $SslFlags | Out-Null
    }
  }
}
# Warm-up: the scheduler runs from start-up, not from the first request.
$site = if (Test-Path -LiteralPath $SitePath) { Get-Item -LiteralPath $SitePath } else { $null }
if ($null -eq $site -or "$($site.applicationDefaults.preloadEnabled)" -ne 'True') {
  Set-Change "site $SiteName" 'set applicationDefaults.preloadEnabled to True' { Set-ItemProperty -LiteralPath $SitePath -Name applicationDefaults.preloadEnabled -Value $true }
}
if ($CertThumbprint -ne '') {
  $binding = @(Get-WebBinding -Name $SiteName | Where-Object { $_.protocol -eq 'https' -and $_.bindingInformation -eq "*:${Port}:$HostName" }) | Select-Object -First 1
  $bound = if ($binding) { [string]$binding.certificateHash } else { '' }
  if ($bound -ne $CertThumbprint) {
    Set-Change "site $SiteName" "bind certificate $CertThumbprint to https *:${Port}:$HostName$(if ($bound) { " (was $bound)" })" {
      if ($bound) { $binding.RemoveSslCertificate() }
      $binding.AddSslCertificate($CertThumbprint, $CertStoreName)
    }
  }
}
if ((Get-Command Get-WindowsFeature -ErrorAction SilentlyContinue) -and -not (Get-WindowsFeature Web-AppInit).Installed) {
  Write-Warning 'the IIS Application Initialization feature is not installed (preload needs it): Install-WindowsFeature Web-AppInit'
}
if ($script:Changes -eq 0) { Write-Host "pool $PoolName and site ${SiteName}: nothing to change" }
