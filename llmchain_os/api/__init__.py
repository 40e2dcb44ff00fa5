"""The one way in for every surface (the shell, the CLI, the chain): requests, scripts, jobs,
the audit log, undo, the tools, the model, the doctor and the remote hosts.

Surfaces import this package and nothing below it; the shared types they need (the
policy's ``Decision`` and ``Policy``, the approver type, ``ToolError``) are re-exported here.
"""

from llmchain_os.agent.executor import Approver, decline_all
from llmchain_os.agent.policy import Decision, Policy, is_yes
from llmchain_os.api.audit import (
    AuditReport,
    audit_report,
    trash_listing,
    undo_last,
    verify_audit,
)
from llmchain_os.api.hosts import (
    ImportReport,
    add_host,
    check_hosts,
    host_words,
    import_hosts,
    list_hosts,
    remove_host,
    trust_host,
)
from llmchain_os.api.info import ModelStatus, ToolInfo, doctor_checks, list_tools, model_status
from llmchain_os.api.jobs import (
    JobApprover,
    JobNotApproved,
    job_approver,
    job_lines,
    remove_job_asked,
)
from llmchain_os.api.scripts import (
    edited_steps,
    get_script,
    is_editable,
    list_scripts,
    remove_script_asked,
    review_script,
    save_edited_script,
    saved_script_text,
    script_question,
    show_script,
    step_script_text,
    would_run,
)
from llmchain_os.api.session import ChainResult, Session
from llmchain_os.errors import ToolError

__all__ = [
    "Approver",
    "AuditReport",
    "ChainResult",
    "Decision",
    "ImportReport",
    "JobApprover",
    "JobNotApproved",
    "ModelStatus",
    "Policy",
    "Session",
    "ToolError",
    "ToolInfo",
    "add_host",
    "audit_report",
    "check_hosts",
    "decline_all",
    "doctor_checks",
    "edited_steps",
    "get_script",
    "host_words",
    "import_hosts",
    "is_editable",
    "is_yes",
    "job_approver",
    "job_lines",
    "list_hosts",
    "list_scripts",
    "list_tools",
    "model_status",
    "remove_host",
    "remove_job_asked",
    "remove_script_asked",
    "review_script",
    "save_edited_script",
    "saved_script_text",
    "script_question",
    "show_script",
    "step_script_text",
    "trash_listing",
    "trust_host",
    "undo_last",
    "verify_audit",
    "would_run",
]
