"""The one way in for every surface (the shell, the CLI, the chain): requests, scripts, jobs,
the audit log, undo, memory, the tools, the model, the doctor and the remote hosts.

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
from llmchain_os.api.memory import (
    MEMORY_ERRORS,
    InputRejected,
    MemoryUnavailable,
    add_documents,
    list_memory,
)
from llmchain_os.api.memory import Entry as MemoryEntry
from llmchain_os.api.memory import Hit as MemoryHit
from llmchain_os.api.memory import clear as clear_memory
from llmchain_os.api.memory import export as export_memory
from llmchain_os.api.memory import feedback as memory_feedback
from llmchain_os.api.memory import forget as forget_memory
from llmchain_os.api.memory import recall as recall_memory
from llmchain_os.api.memory import remember as remember_note
from llmchain_os.api.memory import reset as reset_memory
from llmchain_os.api.memory import search as search_memory
from llmchain_os.api.result import ChainResult
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
from llmchain_os.api.session import Session
from llmchain_os.errors import ToolError
from llmchain_os.llm.errors import ModelError

__all__ = [
    "MEMORY_ERRORS",
    "Approver",
    "AuditReport",
    "ChainResult",
    "Decision",
    "ImportReport",
    "InputRejected",
    "JobApprover",
    "JobNotApproved",
    "MemoryEntry",
    "MemoryHit",
    "MemoryUnavailable",
    "ModelError",
    "ModelStatus",
    "Policy",
    "Session",
    "ToolError",
    "ToolInfo",
    "add_documents",
    "add_host",
    "audit_report",
    "check_hosts",
    "clear_memory",
    "decline_all",
    "doctor_checks",
    "edited_steps",
    "export_memory",
    "forget_memory",
    "get_script",
    "host_words",
    "import_hosts",
    "is_editable",
    "is_yes",
    "job_approver",
    "job_lines",
    "list_hosts",
    "list_memory",
    "list_scripts",
    "list_tools",
    "memory_feedback",
    "model_status",
    "recall_memory",
    "remember_note",
    "remove_host",
    "remove_job_asked",
    "remove_script_asked",
    "reset_memory",
    "review_script",
    "save_edited_script",
    "saved_script_text",
    "script_question",
    "search_memory",
    "show_script",
    "step_script_text",
    "trash_listing",
    "trust_host",
    "undo_last",
    "verify_audit",
    "would_run",
]
