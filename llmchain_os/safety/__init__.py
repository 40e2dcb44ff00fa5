"""Risk classes, command classification and (later) sandbox, redaction and audit."""
