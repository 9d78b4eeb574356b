-- sql/demo/demo.sql: demo data for `make run`. NOT a migration.
--
--   psql -v ON_ERROR_STOP=1 -v demo_password_hash='$argon2id$...' -f sql/demo/demo.sql
--
-- Run as the owner (supportdesk) or a superuser, after the migrations.
-- Idempotent: safe on every start. Users and configuration are upserted by
-- fixed keys (the password hash is refreshed each time); tickets are created
-- only on the first run, because every ticket insert draws a number.
--
-- Accounts (all share the one demo password; see sql/README.md):
--   platform@supportdesk.example  platform admin
--   admin@acme.example            Acme org admin
--   agent1@acme.example           Acme agent (team "Front line")
--   agent2@acme.example           Acme agent (team "Billing")
--   alice@customer.example        customer
--   bob@customer.example          customer
\set ON_ERROR_STOP on
\if :{?demo_password_hash}
\else
  \echo 'demo.sql: pass -v demo_password_hash=... (crypto_pwhash_str output)'
  \quit
\endif
SET client_min_messages = warning;

BEGIN;

-- Organization "Acme", provisioned, with two teams.
INSERT INTO organizations (id, name, slug) VALUES
  ('d0000000-0000-4000-8000-00000000ac01', 'Acme Audio', 'acme')
ON CONFLICT (id) DO NOTHING;
INSERT INTO teams (id, organization_id, name, description) VALUES
  ('d0000000-0000-4000-8000-0000000000e1', 'd0000000-0000-4000-8000-00000000ac01', 'Front line', 'First response'),
  ('d0000000-0000-4000-8000-0000000000e2', 'd0000000-0000-4000-8000-00000000ac01', 'Billing', 'Invoices and refunds')
ON CONFLICT (id) DO NOTHING;
INSERT INTO organization_settings (organization_id, is_provisioned, provisioned_at, default_team_id, auto_assign_enabled,
                                   support_email, support_phone, custom_message, ticket_prefix)
VALUES ('d0000000-0000-4000-8000-00000000ac01', true, now(), 'd0000000-0000-4000-8000-0000000000e1', true,
        'support@acme.example', '+1 555 0100', 'Acme replies within one business day.', 'ACME')
ON CONFLICT (organization_id) DO NOTHING;

-- Users. The demo password hash is refreshed on every run.
INSERT INTO users (id, email, name, password_hash, email_verified_at, platform_role) VALUES
  ('d0000000-0000-4000-8000-0000000000a1', 'platform@supportdesk.example', 'Pat Platform', :'demo_password_hash', now(), 'admin'),
  ('d0000000-0000-4000-8000-0000000000b1', 'admin@acme.example',           'Ada Admin',    :'demo_password_hash', now(), NULL),
  ('d0000000-0000-4000-8000-0000000000b2', 'agent1@acme.example',          'Abe Agent',    :'demo_password_hash', now(), NULL),
  ('d0000000-0000-4000-8000-0000000000b3', 'agent2@acme.example',          'Amy Agent',    :'demo_password_hash', now(), NULL),
  ('d0000000-0000-4000-8000-0000000000c1', 'alice@customer.example',       'Alice Customer', :'demo_password_hash', now(), NULL),
  ('d0000000-0000-4000-8000-0000000000c2', 'bob@customer.example',         'Bob Customer',   :'demo_password_hash', now(), NULL)
ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash,
                                  email_verified_at = coalesce(users.email_verified_at, excluded.email_verified_at);
INSERT INTO memberships (id, user_id, organization_id, role) VALUES
  ('d0000000-0000-4000-8000-0000000000f1', 'd0000000-0000-4000-8000-0000000000b1', 'd0000000-0000-4000-8000-00000000ac01', 'admin'),
  ('d0000000-0000-4000-8000-0000000000f2', 'd0000000-0000-4000-8000-0000000000b2', 'd0000000-0000-4000-8000-00000000ac01', 'agent'),
  ('d0000000-0000-4000-8000-0000000000f3', 'd0000000-0000-4000-8000-0000000000b3', 'd0000000-0000-4000-8000-00000000ac01', 'agent')
ON CONFLICT (user_id, organization_id) DO NOTHING;

INSERT INTO membership_teams (membership_id, team_id, organization_id) VALUES
  ('d0000000-0000-4000-8000-0000000000f2', 'd0000000-0000-4000-8000-0000000000e1', 'd0000000-0000-4000-8000-00000000ac01'),
  ('d0000000-0000-4000-8000-0000000000f3', 'd0000000-0000-4000-8000-0000000000e2', 'd0000000-0000-4000-8000-00000000ac01')
ON CONFLICT DO NOTHING;

-- Acme's own request type (routed to Acme) and upcoming events.
INSERT INTO request_types (id, organization_id, name, description, category_id, default_routing, default_priority, sort_order)
SELECT 'd0000000-0000-4000-8000-0000000000d1', 'd0000000-0000-4000-8000-00000000ac01', 'Acme product support',
       'Amplifiers, head units and installs', c.id, 'organization', 'normal', 10
FROM categories c WHERE c.slug = 'technical-issue' AND c.organization_id IS NULL
ON CONFLICT (id) DO NOTHING;
INSERT INTO events (id, organization_id, name, starts_at, ends_at, location) VALUES
  ('d0000000-0000-4000-8000-0000000000e5', 'd0000000-0000-4000-8000-00000000ac01', 'Spring Sound-Off',  date_trunc('day', now()) + interval '14 days 9 hours',  date_trunc('day', now()) + interval '14 days 18 hours', 'Austin, TX'),
  ('d0000000-0000-4000-8000-0000000000e6', 'd0000000-0000-4000-8000-00000000ac01', 'Install Clinic',     date_trunc('day', now()) + interval '30 days 10 hours', date_trunc('day', now()) + interval '30 days 16 hours', 'Online'),
  ('d0000000-0000-4000-8000-0000000000e7', NULL,                                   'Platform Webinar',   date_trunc('day', now()) + interval '45 days 15 hours', date_trunc('day', now()) + interval '45 days 16 hours', 'Online')
ON CONFLICT (id) DO NOTHING;
INSERT INTO canned_responses (id, organization_id, title, shortcut, content, created_by) VALUES
  ('d0000000-0000-4000-8000-0000000000c7', 'd0000000-0000-4000-8000-00000000ac01', 'Greeting', 'hello',
   'Hello, thanks for contacting Acme support. We are looking into it.', 'd0000000-0000-4000-8000-0000000000b1'),
  ('d0000000-0000-4000-8000-0000000000c8', 'd0000000-0000-4000-8000-00000000ac01', 'Need serial number', 'serial',
   'Could you send us the serial number printed under the unit?', 'd0000000-0000-4000-8000-0000000000b1'),
  -- Placeholders ({{ticket.number}}, {{requester.name}}, {{agent.name}}) are
  -- filled in by the server when the reply is posted, as plain text.
  ('d0000000-0000-4000-8000-0000000000c9', 'd0000000-0000-4000-8000-00000000ac01', 'Replacement on its way', 'replace',
   E'Hi {{requester.name}},\n\nwe are sending you a replacement unit today; the reference is {{ticket.number}}.\n\nBest regards,\n{{agent.name}}, Acme support',
   'd0000000-0000-4000-8000-0000000000b1'),
  ('d0000000-0000-4000-8000-0000000000ca', 'd0000000-0000-4000-8000-00000000ac01', 'Closing', 'thanks',
   E'Thanks {{requester.name}}, glad it works again. We are closing {{ticket.number}}; reply here if anything comes back.\n\n{{agent.name}}',
   'd0000000-0000-4000-8000-0000000000b1'),
  ('d0000000-0000-4000-8000-0000000000cb', NULL, 'Platform: we are on it', 'onit',
   E'Hello {{requester.name}}, the support team is looking into {{ticket.number}} and will get back to you shortly.',
   'd0000000-0000-4000-8000-0000000000a1')
ON CONFLICT (id) DO NOTHING;

-- Tickets: only on the first run (each insert draws a ticket number).
SELECT NOT EXISTS (SELECT FROM tickets WHERE requester_id IN
         ('d0000000-0000-4000-8000-0000000000c1', 'd0000000-0000-4000-8000-0000000000c2')) AS demo_need_tickets
\gset
\if :demo_need_tickets
-- 36 tickets over the last 60 days: alice and bob alternate; 2 in 3 go to
-- Acme (organization or hybrid), the rest to the platform team.
CREATE TEMP TABLE demo_t ON COMMIT DROP AS
SELECT g,
       ('d1000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid AS id,
       CASE WHEN g % 2 = 0 THEN 'd0000000-0000-4000-8000-0000000000c1' ELSE 'd0000000-0000-4000-8000-0000000000c2' END::uuid AS requester,
       CASE WHEN g % 3 = 0 THEN 'internal' WHEN g % 3 = 1 THEN 'organization' ELSE 'hybrid' END AS routing,
       (ARRAY['new','open','in_progress','waiting_customer','waiting_internal','resolved','closed','open','in_progress','cancelled','resolved','new'])[1 + g % 12] AS final_status,
       (ARRAY['low','normal','normal','high','urgent','normal'])[1 + g % 6] AS priority,
       now() - make_interval(hours => (37 - g) * 40) AS created_at,
       (ARRAY['Amplifier clips at high volume', 'Invoice shows the wrong VAT', 'Head unit will not pair over Bluetooth',
              'Refund for cancelled workshop', 'Subwoofer rattles after install', 'Password reset mail never arrives',
              'Question about the Spring Sound-Off schedule', 'Order arrived damaged', 'Firmware update fails at 80%',
              'Cannot download my receipt', 'Wiring diagram request', 'Account locked after too many attempts'])[1 + g % 12] AS title
FROM generate_series(1, 36) g;

INSERT INTO tickets (id, requester_id, organization_id, routing_type, assigned_org_id, team_id, title, description,
                     request_type_id, category_id, priority, source, tags, custom_fields, created_at, captcha_verified)
SELECT d.id, d.requester,
       CASE WHEN d.routing <> 'internal' THEN 'd0000000-0000-4000-8000-00000000ac01'::uuid END,
       d.routing,
       CASE WHEN d.routing <> 'internal' THEN 'd0000000-0000-4000-8000-00000000ac01'::uuid END,
       CASE WHEN d.routing <> 'internal' THEN 'd0000000-0000-4000-8000-0000000000e1'::uuid END,
       d.title,
       'Hello, ' || lower(d.title) || '. Details: it started last week and happens every time. Thanks!',
       CASE WHEN d.routing <> 'internal' THEN 'd0000000-0000-4000-8000-0000000000d1'::uuid
            ELSE (SELECT id FROM request_types WHERE organization_id IS NULL AND name = 'General question') END,
       (SELECT id FROM categories WHERE organization_id IS NULL
          AND slug = (ARRAY['technical-issue','billing','general-inquiry','account-management'])[1 + d.g % 4]),
       d.priority,
       (ARRAY['web','email','portal','phone'])[1 + d.g % 4],
       CASE WHEN d.g % 4 = 0 THEN ARRAY['vip'] WHEN d.g % 5 = 0 THEN ARRAY['refund'] ELSE '{}' END,
       CASE WHEN d.g % 3 = 1 THEN '{"product_area": "web"}'::jsonb ELSE '{}'::jsonb END,
       d.created_at, true
FROM demo_t d;

-- Conversation: the customer's follow-up, a staff reply and (every other
-- ticket) an internal note, for every ticket past 'new'.
INSERT INTO ticket_messages (ticket_id, author_id, body, is_internal, message_type, created_at)
SELECT d.id, m.author, m.body, m.internal, m.mtype, d.created_at + m.after
FROM demo_t d
CROSS JOIN LATERAL (VALUES
  (CASE WHEN d.routing = 'internal' THEN 'd0000000-0000-4000-8000-0000000000a1'
        ELSE (ARRAY['d0000000-0000-4000-8000-0000000000b2','d0000000-0000-4000-8000-0000000000b3'])[1 + d.g % 2] END::uuid,
   'Thanks for the report. Could you tell us the model and serial number?', false, 'reply', interval '50 minutes'),
  (d.requester, 'Sure: model X-200, serial AC123' || d.g || '.', false, 'reply', interval '3 hours'),
  (CASE WHEN d.routing = 'internal' THEN 'd0000000-0000-4000-8000-0000000000a1'
        ELSE 'd0000000-0000-4000-8000-0000000000b1' END::uuid,
   'Internal: known issue with batch 7, offer a replacement.', true, 'note', interval '4 hours'),
  (CASE WHEN d.routing = 'internal' THEN 'd0000000-0000-4000-8000-0000000000a1'
        ELSE (ARRAY['d0000000-0000-4000-8000-0000000000b2','d0000000-0000-4000-8000-0000000000b3'])[1 + d.g % 2] END::uuid,
   'Thank you. A replacement is on its way; please send the old unit back with the enclosed label.', false, 'reply',
   interval '5 hours'),
  (d.requester, 'The replacement arrived and works. Thanks!', false, 'reply', interval '2 days')
) AS m(author, body, internal, mtype, after)
-- The last two only where the ticket got that far (resolved or closed).
WHERE d.final_status <> 'new' AND (NOT m.internal OR d.g % 2 = 0)
  AND (m.after < interval '5 hours' OR d.final_status IN ('resolved', 'closed'));

-- Assign and move to the final status through the triggers (audit rows, SLA, metrics).
UPDATE tickets t SET assignee_id = CASE WHEN d.routing = 'internal' THEN 'd0000000-0000-4000-8000-0000000000a1'
                                        ELSE (ARRAY['d0000000-0000-4000-8000-0000000000b2','d0000000-0000-4000-8000-0000000000b3'])[1 + d.g % 2] END::uuid
FROM demo_t d WHERE t.id = d.id AND d.final_status <> 'new';
UPDATE tickets t SET status = d.final_status FROM demo_t d WHERE t.id = d.id AND d.final_status <> 'new';
UPDATE tickets t SET satisfaction_rating = 3 + d.g % 3, satisfaction_comment = 'Quick and friendly.'
FROM demo_t d WHERE t.id = d.id AND d.final_status IN ('resolved', 'closed');
\endif

-- The desk's queues (added later, so on its own guard): a spam ticket for
-- Acme's spam view, and a fresh unassigned ticket for the Billing team
-- whose SLA clock is still on track.
SELECT NOT EXISTS (SELECT FROM tickets WHERE id = 'd1000000-0000-4000-8000-00000000a001') AS demo_need_queue_tickets
\gset
\if :demo_need_queue_tickets
INSERT INTO tickets (id, requester_id, organization_id, routing_type, assigned_org_id, title, description,
                     priority, source, spam_score, is_spam, created_at)
VALUES ('d1000000-0000-4000-8000-00000000a001', 'd0000000-0000-4000-8000-0000000000c2',
        'd0000000-0000-4000-8000-00000000ac01', 'organization', 'd0000000-0000-4000-8000-00000000ac01',
        'CHEAP SPEAKERS!!! best prices click here', 'Buy now at totally-real-speakers.example, limited offer!!!',
        'low', 'web', 0.97, true, now() - interval '3 hours'),
       ('d1000000-0000-4000-8000-00000000a002', 'd0000000-0000-4000-8000-0000000000c1',
        'd0000000-0000-4000-8000-00000000ac01', 'organization', 'd0000000-0000-4000-8000-00000000ac01',
        'Charged twice for the March order', 'My card shows two charges of 249.00 for order 5521. Please refund one.',
        'high', 'email', NULL, false, now() - interval '20 minutes');
UPDATE tickets SET team_id = 'd0000000-0000-4000-8000-0000000000e2', tags = ARRAY['billing', 'refund'],
                   request_type_id = 'd0000000-0000-4000-8000-0000000000d1'
WHERE id = 'd1000000-0000-4000-8000-00000000a002';
\endif

-- Knowledge base (0028): an Acme category with a sub-category and three
-- published articles. content_html is what the workers' renderer
-- (src/core/markdown.c) makes of content; a save on /desk/kb renders again.
INSERT INTO kb_categories (id, organization_id, parent_id, slug, name, description) VALUES
  ('d2000000-0000-4000-8000-0000000000c1', 'd0000000-0000-4000-8000-00000000ac01', NULL,
   'acme-speakers', 'Speakers', 'Setting up and caring for Acme speakers.'),
  ('d2000000-0000-4000-8000-0000000000c2', 'd0000000-0000-4000-8000-00000000ac01',
   'd2000000-0000-4000-8000-0000000000c1', 'acme-bluetooth', 'Bluetooth', 'Pairing and connection problems.')
ON CONFLICT (id) DO NOTHING;
INSERT INTO kb_articles (id, organization_id, category_id, slug, title, content, content_html, author_id, status,
                         version_count)
VALUES
  ('d2000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000ac01',
   'd2000000-0000-4000-8000-0000000000c2', 'pair-bluetooth-speaker', 'Pairing a speaker over Bluetooth',
   E'Hold the **pair** button for three seconds, until the light blinks blue.\n\n- Open Bluetooth on your phone\n- Choose *Acme* in the list\n- Play a song\n\nStill silent? Read [the manual](https://acme.example/manuals).\n',
   E'<p>Hold the <strong>pair</strong> button for three seconds, until the light blinks blue.</p>\n<ul>\n<li>Open Bluetooth on your phone</li>\n<li>Choose <em>Acme</em> in the list</li>\n<li>Play a song</li>\n</ul>\n<p>Still silent? Read <a href="https://acme.example/manuals">the manual</a>.</p>\n',
   'd0000000-0000-4000-8000-0000000000b2', 'published', 1),
  ('d2000000-0000-4000-8000-0000000000a2', 'd0000000-0000-4000-8000-00000000ac01',
   'd2000000-0000-4000-8000-0000000000c1', 'speaker-crackling', 'The speaker crackles at high volume',
   E'Crackling usually comes from the cable, not the speaker.\n\n1. Try another cable\n2. Lower the volume on the source to 80%\n3. If it still crackles, [submit a request](/submit)\n',
   E'<p>Crackling usually comes from the cable, not the speaker.</p>\n<ol>\n<li>Try another cable</li>\n<li>Lower the volume on the source to 80%</li>\n<li>If it still crackles, <a href="/submit">submit a request</a></li>\n</ol>\n',
   'd0000000-0000-4000-8000-0000000000b2', 'published', 1),
  ('d2000000-0000-4000-8000-0000000000a3', 'd0000000-0000-4000-8000-00000000ac01', NULL,
   'refund-double-charge', 'Refunds for a double charge',
   E'When an order is charged twice, the second charge is refunded within **five business days**. You do not need to do anything.\n',
   E'<p>When an order is charged twice, the second charge is refunded within <strong>five business days</strong>. You do not need to do anything.</p>\n',
   'd0000000-0000-4000-8000-0000000000b3', 'published', 1)
ON CONFLICT (id) DO NOTHING;
INSERT INTO kb_article_versions (article_id, version_no, title, content, content_html, changed_by)
SELECT a.id, 1, a.title, a.content, a.content_html, a.author_id FROM kb_articles a
WHERE a.id IN ('d2000000-0000-4000-8000-0000000000a1', 'd2000000-0000-4000-8000-0000000000a2',
               'd2000000-0000-4000-8000-0000000000a3')
ON CONFLICT (article_id, version_no) DO NOTHING;

COMMIT;
