<#
  A stand-in for the WebAdministration module and the Cert: drive (Windows only), so that
  install-iis-site.ps1 runs under pwsh on Linux: pools, sites, bindings and certificates live in a
  JSON state file; every command that would change IIS is logged. Real PowerShell runs the script
  (parsing, quoting, ShouldProcess/-WhatIf, comparisons); only IIS is imitated, with the shapes the
  IIS provider gives (TimeSpan time-outs, enum names as strings, binding objects with
  AddSslCertificate/RemoveSslCertificate). Defaults of a new pool are IIS 10's.

  pwsh -File iis-standin.ps1 -State state.json -Script install-iis-site.ps1 [-- script arguments]
  prints the script's output; writes the new state (with `calls`) back to -State.
#>
param([string]$State, [string]$Script, [switch]$WhatIf, [string]$CredentialUser, [string]$CredentialPassword, [string]$PfxPassword)
$ErrorActionPreference = 'Stop'
$global:IisState = Get-Content -Raw -LiteralPath $State | ConvertFrom-Json -AsHashtable
if (-not $IisState.pools) { $IisState.pools = @{} }
if (-not $IisState.sites) { $IisState.sites = @{} }
if (-not $IisState.certs) { $IisState.certs = @() }
if (-not $IisState.pfx) { $IisState.pfx = @{} }
$global:IisCalls = [System.Collections.Generic.List[string]]::new()

function global:Import-Module([string]$Name) { if ($Name -ne 'WebAdministration') { throw "unexpected module $Name" } }

function global:Split-IisPath([string]$Path) {
  if ($Path -match '^IIS:\\AppPools\\(.+)$') { return @('pools', $Matches[1]) }
  if ($Path -match '^IIS:\\Sites\\(.+)$') { return @('sites', $Matches[1]) }
  return $null
}

function global:Test-Path([string]$LiteralPath, [string]$PathType) {
  $p = Split-IisPath $LiteralPath
  if ($p) { return $IisState[$p[0]].ContainsKey($p[1]) }
  if ($LiteralPath -match '^Cert:\\LocalMachine\\([^\\]+)\\([0-9A-Fa-f]+)$') {
    $store = $Matches[1]; $hash = $Matches[2]
    return [bool]($IisState.certs | Where-Object { $_.Store -eq $store -and $_.Thumbprint -eq $hash })
  }
  if ($PathType) { return Microsoft.PowerShell.Management\Test-Path -LiteralPath $LiteralPath -PathType $PathType }
  return Microsoft.PowerShell.Management\Test-Path -LiteralPath $LiteralPath
}

function global:ConvertTo-IisObject($h) {
  $o = [ordered]@{}
  foreach ($k in $h.Keys) {
    $v = $h[$k]
    if ($v -is [System.Collections.IDictionary]) { $o[$k] = ConvertTo-IisObject $v }
    elseif ($k -in 'idleTimeout', 'time') { $o[$k] = [TimeSpan]::Parse($v) }
    else { $o[$k] = $v }
  }
  [pscustomobject]$o
}

function global:Get-Module {
  [CmdletBinding()] param([switch]$ListAvailable, [string]$Name)
  if ($Name -ne 'WebAdministration') { return Microsoft.PowerShell.Core\Get-Module @PSBoundParameters }
  if (-not $IisState.noWebAdministration) { [pscustomobject]@{ Name = 'WebAdministration' } }
}

function global:Get-Item {
  [CmdletBinding()] param([string]$LiteralPath)
  if ($LiteralPath -match '^Cert:\\LocalMachine\\([^\\]+)\\([0-9A-Fa-f]+)$') {
    $store = $Matches[1]; $hash = $Matches[2]
    $c = $IisState.certs | Where-Object { $_.Store -eq $store -and $_.Thumbprint -eq $hash } | Select-Object -First 1
    if (-not $c) { Write-Error "Cannot find path '$LiteralPath' because it does not exist."; return }
    return [pscustomobject]@{ Thumbprint = $c.Thumbprint; Subject = $c.Subject; NotAfter = [datetime]::Parse($c.NotAfter, [cultureinfo]::InvariantCulture, 'AdjustToUniversal') }
  }
  $p = Split-IisPath $LiteralPath
  if (-not $p) { return Microsoft.PowerShell.Management\Get-Item -LiteralPath $LiteralPath }
  if (-not $IisState[$p[0]].ContainsKey($p[1])) { throw "Cannot find path '$LiteralPath' because it does not exist." }
  $h = $IisState[$p[0]][$p[1]]
  $o = ConvertTo-IisObject $h
  $o | Add-Member -NotePropertyName name -NotePropertyValue $p[1] -Force
  $o
}

function global:Set-ItemProperty([string]$LiteralPath, [string]$Name, $Value) {
  $p = Split-IisPath $LiteralPath
  if (-not $p) { throw "stand-in: Set-ItemProperty on $LiteralPath" }
  $h = $IisState[$p[0]][$p[1]]
  if ($null -eq $h) { throw "Cannot find path '$LiteralPath' because it does not exist." }
  $shown = if ($Value -is [System.Collections.IDictionary]) { 'processModel{' + (($Value.Keys | Sort-Object | ForEach-Object { "$_=" + $(if ($_ -eq 'password') { '<' + "$($Value[$_])".Length + ' chars>' } else { $Value[$_] }) }) -join ',') + '}' } else { "$Value" }
  $IisCalls.Add("Set-ItemProperty $LiteralPath $Name $shown")
  if ($Value -is [System.Collections.IDictionary]) {
    foreach ($k in $Value.Keys) { $h[$Name][$k] = $Value[$k] }
    return
  }
  $parts = $Name.Split('.')
  for ($i = 0; $i -lt $parts.Count - 1; $i++) { $h = $h[$parts[$i]] }
  $v = if ($Value -is [TimeSpan]) { $Value.ToString() } else { $Value }
  $h[$parts[-1]] = $v
}

function global:New-WebAppPool([string]$Name) {
  $IisCalls.Add("New-WebAppPool $Name")
  $IisState.pools[$Name] = @{
    managedRuntimeVersion = 'v4.0'; startMode = 'OnDemand'; state = 'Started'
    processModel = @{ identityType = 'ApplicationPoolIdentity'; userName = ''; password = ''; idleTimeout = '00:20:00'; loadUserProfile = $true }
    recycling = @{ periodicRestart = @{ time = '1.05:00:00' } }
  }
  [pscustomobject]@{ name = $Name }
}

function global:New-Website([string]$Name, [string]$PhysicalPath, [string]$ApplicationPool, [switch]$Ssl, [int]$Port, [string]$HostHeader, [int]$SslFlags) {
  $IisCalls.Add("New-Website $Name $PhysicalPath $ApplicationPool ssl=$Ssl *:${Port}:$HostHeader sslFlags=$SslFlags")
  if (-not $IisState.pools.ContainsKey($ApplicationPool)) { throw "pool $ApplicationPool does not exist" }
  $IisState.sites[$Name] = @{
    physicalPath = $PhysicalPath; applicationPool = $ApplicationPool; state = 'Started'
    applicationDefaults = @{ preloadEnabled = $false }
    bindings = @(@{ protocol = $(if ($Ssl) { 'https' } else { 'http' }); bindingInformation = "*:${Port}:$HostHeader"; sslFlags = $SslFlags; certificateHash = ''; certificateStoreName = '' })
  }
  [pscustomobject]@{ name = $Name }
}

function global:New-WebBinding([string]$Name, [string]$Protocol, [int]$Port, [string]$HostHeader, [int]$SslFlags) {
  $IisCalls.Add("New-WebBinding $Name $Protocol *:${Port}:$HostHeader sslFlags=$SslFlags")
  $IisState.sites[$Name].bindings += @{ protocol = $Protocol; bindingInformation = "*:${Port}:$HostHeader"; sslFlags = $SslFlags; certificateHash = ''; certificateStoreName = '' }
}

function global:Get-WebBinding([string]$Name) {
  if (-not $IisState.sites.ContainsKey($Name)) { return }
  foreach ($b in $IisState.sites[$Name].bindings) {
    $o = [pscustomobject]@{ protocol = $b.protocol; bindingInformation = $b.bindingInformation; sslFlags = $b.sslFlags; certificateHash = $b.certificateHash; certificateStoreName = $b.certificateStoreName; ItemXPath = "/system.applicationHost/sites/site[@name='$Name']" }
    $o | Add-Member -MemberType NoteProperty -Name Entry -Value $b
    $o | Add-Member -MemberType ScriptMethod -Name AddSslCertificate -Value {
      param($hash, $store)
      if ($this.Entry.certificateHash) { throw 'A specified logon session does not exist. (an SSL certificate is bound already)' }
      if (-not ($IisState.certs | Where-Object { $_.Thumbprint -eq $hash })) { throw "no certificate $hash in LocalMachine\$store" }
      $IisCalls.Add("AddSslCertificate $($this.bindingInformation) $hash $store")
      $this.Entry.certificateHash = $hash; $this.Entry.certificateStoreName = $store
    }
    $o | Add-Member -MemberType ScriptMethod -Name RemoveSslCertificate -Value {
      $IisCalls.Add("RemoveSslCertificate $($this.bindingInformation)")
      $this.Entry.certificateHash = ''; $this.Entry.certificateStoreName = ''
    }
    $o
  }
}

function global:Get-ChildItem([string]$LiteralPath) {
  if ($LiteralPath -eq 'IIS:\Sites') { foreach ($n in @($IisState.sites.Keys | Sort-Object)) { Get-Item -LiteralPath "IIS:\Sites\$n" }; return }
  if ($LiteralPath -notmatch '^Cert:\\LocalMachine\\(.+)$') { return Microsoft.PowerShell.Management\Get-ChildItem -LiteralPath $LiteralPath }
  foreach ($c in $IisState.certs) { if ($c.Store -eq $Matches[1]) { [pscustomobject]$c } }
}

function global:Import-PfxCertificate([string]$FilePath, [string]$CertStoreLocation, [securestring]$Password) {
  $plain = [System.Net.NetworkCredential]::new('', $Password).Password
  $want = $IisState.pfx[$FilePath]
  if (-not $want) { throw "stand-in: no PFX $FilePath" }
  if ($plain -ne $want.password) { throw 'The PFX file you are trying to import requires either a different password or membership in an Active Directory principal to which it is protected.' }
  $IisCalls.Add("Import-PfxCertificate $FilePath $CertStoreLocation")
  $store = $CertStoreLocation -replace '^Cert:\\LocalMachine\\', ''
  $IisState.certs += @{ Thumbprint = $want.thumbprint; Subject = $want.subject; Store = $store; NotAfter = $want.notAfter }
  [pscustomobject]@{ Thumbprint = $want.thumbprint }
}

$arguments = @{}
if ($WhatIf) { $arguments.WhatIf = $true }
if ($CredentialUser) { $arguments.Credential = [pscredential]::new($CredentialUser, (ConvertTo-SecureString $CredentialPassword -AsPlainText -Force)) }
if ($PfxPassword) { $arguments.PfxPassword = ConvertTo-SecureString $PfxPassword -AsPlainText -Force }
try {
  & $Script @arguments 6>&1 3>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.WarningRecord]) { "WARNING: $_" } else { "$_" } }
} finally {
  $IisState.calls = @($IisCalls)
  $IisState | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $State
}
