"""Other machines over SSH: the inventory (own TOML, ssh_config, Ansible), host selection,
a connection pool with known_hosts checking, fan-out of one command, SFTP upload.

Nothing here asks anyone or decides whether a step runs: the policy does that above, with
the risk ``remote.risk.remote_assessment`` gives it.
"""
