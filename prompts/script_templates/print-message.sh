#@ description: Print the message {{message}}
#@ slots: message=text
#@ name: print
#@ requires: print say echo output display
#@ example: print hello world
#@ example: write a script that says good morning
#@ example: a script that echoes "backup finished"
#@ example: script that prints the message done
#!/usr/bin/env bash
# Print a fixed message the request spelled out, word for word.
set -euo pipefail

printf '%s\n' {{message}}
