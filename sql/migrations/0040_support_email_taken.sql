-- 0040: a support address belongs to one organization (0032's unique
-- index: mail to it opens tickets there). The settings page asks before it
-- saves, so an address another organization uses is a message by the field
-- instead of a failed statement. Row-level security hides the other
-- organizations' settings from an org admin, hence a definer function that
-- answers yes or no and nothing else.
CREATE FUNCTION support_email_taken(p_org uuid, p_email text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT FROM organization_settings s
                 WHERE s.support_email = p_email::citext AND s.organization_id <> p_org)
$$;
REVOKE EXECUTE ON FUNCTION support_email_taken(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION support_email_taken(uuid, text) TO supportdesk_app;
