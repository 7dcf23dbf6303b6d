# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The options of every rotation-engine task; the argspec is ENGINE_ARGSPEC in module_utils/_common.py.
    DOCUMENTATION = r"""
options:
  target:
    description: Name of this platform instance in the sink path and the report (the roles pass the inventory host name).
    type: str
    required: true
  max_age_days:
    description: Rotate when the last rotation is this many days old; V(-1) never rotates by age, V(0) always.
    type: int
    default: 90
  rotate_before:
    description: ISO-8601 time; rotate what was last rotated before it (after a leak). Re-runs do not rotate again.
    type: str
    default: ""
  sink_dir:
    description:
      - Directory of the ansible-vault encrypted sink (O(sink=file), required then). One file per target,
        C(<sink_dir>/<platform>/<target>.vault) (mode C(0600)), holds a record per credential under C(credentials). A
        record has the current C(secret), the C(previous_secret), and the journal of the rotation in progress.
      - While a run works on a credential, C(<target>.vault.locks/<key>.lock) exists. C(<target>.vault.flock)
        serializes the writes of runs that share the file.
    type: path
  deliver_to:
    description:
      - Further sinks every new secret is copied to, with the same key layout and record (without the journal's
        unfinished steps), each read back before any old secret is retired. Their settings are O(hashicorp_vault) and
        O(aws_secrets_manager). The journal and the lock stay in O(sink).
      - A sink that fails stops that credential before retirement, with both secrets (or the old one) still working;
        a re-run delivers again. A run with nothing to rotate copies the secret to a further sink that does not hold
        it, with result C(delivered). O(verify_only=true) fails for a further sink that does not hold it.
      - V(awx_controller) writes the new secret into an input of an AWX / Automation Controller credential
        (O(awx_controller)), for the credentials O(awx_controller.credentials) names only. A roll back puts the
        previous secret there too.
    type: list
    elements: str
    choices: [hashicorp_vault, aws_secrets_manager, awx_controller]
    default: []
  awx_controller:
    description:
      - The AWX / Automation Controller credentials that get the new secret (O(deliver_to=awx_controller)), when a
        secret AWX itself uses is rotated (the UAA admin client of a UAA credential, an Anypoint connected app).
      - "Each write sends the credential's inputs as AWX shows them (a stored secret input as C($encrypted$), which AWX
        keeps) with the one input replaced, and sets a line C(apiops.credentials: secret digest <salt>:<digest>,
        rotated <time>) in the credential's description. AWX never shows a secret input, so that line, read back,
        is what proves the delivery; the digest cannot be turned back into the secret."
      - Before any platform is touched, the token is checked (C(/api/v2/me/)), and each mapped credential must exist,
        not be managed, have the input as a secret input of its type and, outside check mode, be editable by the
        token's user.
    type: dict
    suboptions:
      host:
        description:
          - Address of AWX, for example V(https://awx.example.com); without a scheme, HTTPS. Falls back to
            E(CONTROLLER_HOST), then E(TOWER_HOST).
        type: str
      token:
        description:
          - OAuth2 token of an AWX user with the admin role on the mapped credentials. Falls back to
            E(CONTROLLER_OAUTH_TOKEN), then E(TOWER_OAUTH_TOKEN).
        type: str
      validate_certs:
        description: Verify AWX's certificate. Falls back to E(CONTROLLER_VERIFY_SSL), then E(TOWER_VERIFY_SSL).
        type: bool
        default: true
      ca_path:
        description: CA bundle to verify AWX's certificate with.
        type: path
      credentials:
        description:
          - Which AWX credential gets which rotated credential's secret. Each key is a credential of the run (its client
            id, or its record key such as C(uaa/admin)); each value a dict with C(id) (the AWX credential's number) or
            C(name) (a name only one credential visible to the token has), and C(input) (default C(client_secret)).
          - Credentials of the run not named here are not delivered to AWX. A key that names no credential of the run
            is an error.
        type: dict
        default: {}
  hook_tasks:
    description:
      - The path of a delivery hook's tasks file (the roles' C(<role>_hook_tasks)); when it is not empty, a delivery
        hook runs after this task. The hook gets every new secret, so an old secret is retired only once the hook
        delivered the new one (the credential ends the run as C(added)). RV(hook_deliveries) lists what it has to be
        given. The task itself does not run the file - the caller does.
    type: path
  hook:
    description:
      - Deprecated, to be removed in release 1.0.0; set O(hook_tasks) instead. V(true) says a delivery hook runs
        after this task, as a non-empty O(hook_tasks) does. It still works (with a deprecation warning); setting it
        together with O(hook_tasks) is an error.
    type: bool
  hook_delivered:
    description:
      - The second run after the delivery hook (set by the roles) - the keys of the credentials it delivered. Only
        the credentials named here and in O(hook_failed) are worked on, and only to note the delivery and retire.
    type: list
    elements: str
    default: []
  hook_failed:
    description: The second run after the delivery hook (set by the roles) - the keys of the credentials it failed for.
    type: list
    elements: str
    default: []
  run_id:
    description: The run id of the report this run adds to (the roles' second run after a delivery hook).
    type: str
    default: ""
  concurrency:
    description: Requests in flight at once. HTTP 429 answers make every worker wait (C(Retry-After)).
    type: int
    default: 8
  max_failures:
    description: Stop starting new credentials after this many failures (those in flight finish). V(0) means no limit.
    type: int
    default: 0
  time_budget:
    description:
      - Seconds after the start of the task after which no new credential is started; those in flight finish and are
        journaled, the rest are reported C(skipped), and a re-run does them. V(0) means no budget.
      - Set it below the job template's timeout in AWX (or the end of a change window), so that the job ends on its
        own with a report instead of being killed midway.
      - The E(APIOPS_TIME_BUDGET) environment variable is used when this option is not set.
    type: float
    default: 0
  lock_timeout:
    description:
      - Seconds to wait for another run that holds a credential's lease. After that, the credential fails with a
        message naming the holder, and nothing is done twice.
      - A lease expires five minutes (E(APIOPS_LEASE_SECONDS)) after its holder last renewed it, and is then taken
        over, as is the lease of a process that no longer exists on this host; see M(apiops.credentials.sink_lease).
    type: float
    default: 60
  report_json:
    description:
      - Write the plan (check mode) or the outcome here, in the collection's report schema. No secrets.
      - Hosts of one run may share the path; their rows are merged.
    type: path
  report_markdown:
    description: The same report as a Markdown table, for a change request.
    type: path
  audit:
    description:
      - Read only, like O(verify_only), and nothing is written, not even a lock. For each credential it reports its
        findings - C(overdue) (older than O(max_age_days), or last rotated before O(rotate_before)), C(drift) (the
        platform rejects the sink's secret, or a further sink in O(deliver_to) holds another one), C(orphan) (no sink
        holds a secret, or the platform shows a secret no sink knows), C(not retired) (the secret before the last
        change still works) and C(unfinished) (an interrupted run).
      - The result of a credential is C(compliant) or C(findings); the task fails (with O(fail_on_error)) when any
        credential has findings, so a scheduled job can alert on it.
    type: bool
    default: false
  verify_only:
    description:
      - Only check that the secret in the sink of every credential authenticates (read-only, like check mode). A
        credential whose sink secret is rejected, or that has none, fails. For a scheduled audit.
    type: bool
    default: false
  plan_file:
    description:
      - An approved plan, the JSON report of a check-mode run (O(report_json)). The run first checks again, read-only,
        and carries out the plan only when every credential has the same action, the same expected result and the
        same sink record as when the plan was made. Otherwise it changes nothing and fails, listing the differences.
      - This is how a change window works. The dry run's report goes with the change request, and the approved run is
        given that report.
      - Ignored in check mode.
    type: path
  plan:
    description:
      - The approved plan as data instead of a file, the same JSON as O(plan_file). An AWX workflow passes it from the
        check job (its C(set_stats)) to the real job, whose execution pod has no file of the check job.
      - Ignored in check mode.
    type: dict
  require_rollback:
    description:
      - Refuse to rotate a credential whose rotation could not be rolled back (the secret in use now is not known to
        this collection, or the platform takes no chosen secret for it), in check mode too. Without it, the plan and
        the report say so per credential (C(rollback)).
    type: bool
    default: false
  plan_digest:
    description:
      - The digest of the approved plan, as the check run printed it (RV(plan_digest)). With it, a plan whose content
        gives another digest (edited or replaced after the approval) is refused before anything is done.
      - A check-mode run computes it over what the plan pins for each credential (action, expected result, strategy,
        overlap, sink, further sinks and hook, a digest of the sink record, the platform's observed state) and the
        policy options.
    type: str
  fail_on_error:
    description:
      - Fail the task when any credential failed (after every other credential was handled).
      - V(false) returns the failures in RV(failures) instead, for a role that fails later.
    type: bool
    default: true
notes:
  - Run the task with C(no_log=true); its result holds no secret, but its arguments do.
  - SIGTERM or SIGINT, and the end of ansible-playbook (C(kill -9)), stop the task from starting new credentials; those
    in flight are finished and journaled.
"""

    # The journal's sink and its settings (sink, hashicorp_vault, aws_secrets_manager, vault_password_file, vault_id), shared with
    # apic_catalog_rotation, whose other options differ.
    SINKS = r"""
options:
  vault_password_file:
    description: Encrypt the sink file (O(sink=file)) instead of the vault secrets given to ansible-playbook.
    type: path
  vault_id:
    description: Vault id to encrypt the sink file with.
    type: str
    default: default
  sink:
    description:
      - Where the journal and the secrets go. V(file) is an ansible-vault encrypted file on the controller.
      - V(hashicorp_vault) is the KV secrets engine version 2 of a HashiCorp Vault (O(hashicorp_vault)), with one key per
        credential, C(<mount>/<path>/<record key>), with the same record as the file. Every write is check-and-set
        and read back; KV keeps the versions, so the secret a rotation replaced stays readable in the key's history.
      - V(aws_secrets_manager) is AWS Secrets Manager (O(aws_secrets_manager)), with one secret per credential,
        C(<name>/<record key>), holding the record as JSON. While a rotation is in flight its journal is the
        C(AWSPENDING) version and consumers keep reading C(AWSCURRENT); the proven record becomes C(AWSCURRENT), and
        the one before it C(AWSPREVIOUS). It needs the Python library C(boto3) on the controller.
    type: str
    choices: [file, hashicorp_vault, aws_secrets_manager]
    default: file
  hashicorp_vault:
    description: The HashiCorp Vault sink (O(sink=hashicorp_vault)). Each setting falls back to Vault's own environment variable.
    type: dict
    suboptions:
      url:
        description: Address of the Vault server, for example V(https://vault.example.com:8200). Falls back to E(VAULT_ADDR).
        type: str
      token:
        description: Vault token. Falls back to E(VAULT_TOKEN). Give it, or O(hashicorp_vault.role_id) and O(hashicorp_vault.secret_id).
        type: str
      role_id:
        description: AppRole role id, to log in with O(hashicorp_vault.secret_id). Falls back to E(VAULT_ROLE_ID).
        type: str
      secret_id:
        description: AppRole secret id. Falls back to E(VAULT_SECRET_ID).
        type: str
      namespace:
        description: Vault Enterprise namespace. Falls back to E(VAULT_NAMESPACE).
        type: str
      mount:
        description: Mount path of the KV version 2 secrets engine.
        type: str
        default: secret
      path:
        description:
          - Path of the target's records under the mount; C({platform}) and C({target}) are filled in. A credential's
            record is C(<path>/<record key>), and C(<path>/<record key>.lock) exists while a run works on it.
        type: str
        default: "apiops/{platform}/{target}"
      ca_path:
        description: CA bundle to verify the Vault server with. Falls back to E(VAULT_CACERT).
        type: path
      validate_certs:
        description: Verify the Vault server's certificate.
        type: bool
        default: true
  aws_secrets_manager:
    description:
      - The AWS Secrets Manager sink (O(sink=aws_secrets_manager)). AWS credentials not given here come from boto3's
        own chain (E(AWS_ACCESS_KEY_ID) and E(AWS_SECRET_ACCESS_KEY), a shared profile, an instance or task role).
    type: dict
    suboptions:
      region:
        description: Region of the secrets. Falls back to E(AWS_REGION), then E(AWS_DEFAULT_REGION).
        type: str
      access_key:
        description: AWS access key id.
        type: str
      secret_key:
        description: AWS secret access key.
        type: str
      session_token:
        description: AWS session token, with temporary credentials.
        type: str
      profile:
        description: A profile of the shared AWS configuration files.
        type: str
      role_arn:
        description:
          - An IAM role to assume (STS AssumeRole) with the credentials found first; the sink then works with the
            role's temporary credentials. Falls back to C(APIOPS_AWS_ROLE_ARN), which the AWX credential type
            "apiops AWS Secrets Manager sink" sets.
        type: str
      endpoint_url:
        description: Another endpoint (a VPC endpoint, or a test server). Falls back to E(AWS_ENDPOINT_URL_SECRETS_MANAGER).
        type: str
      name:
        description:
          - Name prefix of the target's secrets; C({platform}) and C({target}) are filled in. A credential's secret is
            C(<name>/<record key>), and C(<name>/<record key>.lock) exists while a run works on it.
        type: str
        default: "apiops/{platform}/{target}"
      kms_key_id:
        description: KMS key to encrypt new secrets with; the account's default key for Secrets Manager otherwise.
        type: str
"""

    # The owners' e-mail of every rotation task: SMTP_SPEC and owner_email in module_utils/_common.py.
    NOTICES = r"""
options:
  smtp:
    description:
      - Tell the owner of each credential about its new secret by e-mail, never the secret itself (it is in the sink).
        One message per owner and run names each credential, where it is, its key in the sink and whether the previous
        secret still works. The owner is the credential's own C(owner_email), else O(owner_email). Without O(smtp),
        nobody is mailed.
      - API Connect v10 (M(apiops.credentials.apic_catalog_rotation)) tells each consumer org's owner (its
        C(owner.email)) instead, naming the applications, the new credentials and their client ids; O(owner_email)
        serves a consumer org without an owner.
      - Before any platform is touched, in check mode too, the server must answer (and accept the login), else nothing
        is done. A new secret is marked as to be told in the same sink write that records it, and the mark goes once
        the message was accepted, so a run that dies in between, or a message the server refuses, is told by the next
        run (the credential fails until then). A roll back tells nobody; an API Connect v5 restore tells the owners of
        what it restored.
    type: dict
    suboptions:
      host:
        description: SMTP server.
        type: str
        required: true
      port:
        description: SMTP port.
        type: int
        default: 25
      security:
        description: V(starttls) upgrades the connection, V(ssl) connects with TLS (port 465).
        type: str
        choices: [none, starttls, ssl]
        default: none
      username:
        description: SMTP login, if the server needs one.
        type: str
      password:
        description: Password of O(smtp.username).
        type: str
      sender:
        description: The C(From) address.
        type: str
        required: true
      timeout:
        description: Seconds to wait for the SMTP server.
        type: float
        default: 30
      validate_certs:
        description: Verify the SMTP server's certificate with O(smtp.security=starttls) or V(ssl).
        type: bool
        default: true
      ca_path:
        description: CA bundle for the SMTP server's certificate.
        type: path
  owner_email:
    description:
      - The address O(smtp) tells about each new secret, for a credential that names no C(owner_email) of its own.
      - With O(smtp) set, every credential must have an owner, or the task changes nothing and names those without (on
        API Connect v10, a consumer org without one fails its new credentials at the end instead).
    type: str
"""
