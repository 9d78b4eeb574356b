-- sql/bootstrap.sql: one-time, superuser-only preparation of a Supportdesk database.
--
-- Usage (connected to the target database as a superuser):
--   psql -v ON_ERROR_STOP=1 -v db=NAME -f sql/bootstrap.sql
--
-- Why a separate file: migrations run as the unprivileged owner `supportdesk`,
-- which can neither create roles nor create untrusted extensions. Everything
-- that needs a superuser lives here, and it is idempotent so that `make run`
-- may call it on every start.

\if :{?db}
\else
  \echo 'bootstrap.sql: pass -v db=NAME (the database being bootstrapped)'
  \quit
\endif

-- Roles. DO blocks because CREATE ROLE has no IF NOT EXISTS.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk') THEN
    -- The owner: runs migrations. Not CREATEROLE, not CREATEDB, not BYPASSRLS.
    CREATE ROLE supportdesk LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk_app') THEN
    -- The application: owns nothing, is subject to every RLS policy, and
    -- NOINHERIT so that a stray GRANT of another role gives it nothing implicitly.
    CREATE ROLE supportdesk_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
END
$$;

-- Re-assert the attributes in case the roles pre-existed with other settings.
ALTER ROLE supportdesk     NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
ALTER ROLE supportdesk_app NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOINHERIT;

ALTER DATABASE :"db" OWNER TO supportdesk;
ALTER SCHEMA public OWNER TO supportdesk;
-- PostgreSQL 15 already revokes CREATE on public from PUBLIC; be explicit anyway.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO supportdesk_app;
GRANT CONNECT ON DATABASE :"db" TO supportdesk, supportdesk_app;

-- Extensions that need a superuser. citext is trusted in PG13+, but creating
-- it here keeps migrations free of extension management.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

-- Test-only extensions, created only when the packages are installed
-- (postgresql-15-pgtap, postgresql-contrib). Production images without them
-- bootstrap fine.
SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pgtap') AS have_pgtap,
       EXISTS (SELECT FROM pg_available_extensions WHERE name = 'dblink') AS have_dblink
\gset
\if :have_pgtap
  CREATE SCHEMA IF NOT EXISTS tap AUTHORIZATION supportdesk;
  CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA tap;
  GRANT USAGE ON SCHEMA tap TO supportdesk_app;
\endif
\if :have_dblink
  CREATE SCHEMA IF NOT EXISTS tap AUTHORIZATION supportdesk;
  CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA tap;
  GRANT USAGE ON SCHEMA tap TO supportdesk_app;
\endif
