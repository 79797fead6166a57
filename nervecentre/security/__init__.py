"""Security: users and roles, need-to-know, victim protection, the audit log, the allowlist.

Modules, one concept each: ``users`` (passwords, sign-in, lockout), ``tokens`` (API tokens),
``roles`` (the permission matrix in ``data/permissions.yaml``), ``access`` (which cases a user
sees), ``grants`` (changing that), ``reveal`` (victim identities), ``audit`` (the hash-chained
log), ``network`` (the CIDR allowlist), ``fields`` (field encryption) and ``demo``.
Import them directly; this package imports nothing so that settings can use ``network``.
"""
