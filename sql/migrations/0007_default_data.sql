-- 0007_default_data.sql: defaults every installation starts with. (The
-- platform organization and system_settings come from 0001.) Demo data lives
-- in sql/demo/demo.sql, not here.

-- Seed 002 default categories (global).
INSERT INTO categories (name, slug, description, color, icon, sort_order) VALUES
  ('Technical Issue',    'technical-issue',    'Technical problems and bugs',      '#EF4444', 'bug',            1),
  ('Billing',            'billing',            'Billing and payment inquiries',    '#10B981', 'credit-card',    2),
  ('Feature Request',    'feature-request',    'New feature suggestions',          '#3B82F6', 'lightbulb',      3),
  ('Account Management', 'account-management', 'Account and user management',      '#F59E0B', 'user',           4),
  ('Integration',        'integration',        'Third-party integration issues',   '#8B5CF6', 'puzzle',         5),
  ('Performance',        'performance',        'System performance concerns',      '#F97316', 'zap',            6),
  ('Security',           'security',           'Security and privacy issues',      '#DC2626', 'shield',         7),
  ('General Inquiry',    'general-inquiry',    'General questions and inquiries',  '#6B7280', 'message-circle', 8);

-- Seed 002 SLA defaults, global. Its critical/medium are our urgent/normal;
-- its support_manager/support_lead escalate to our org admin/agent roles.
-- Business hours: the seed's default (Mon-Fri 09:00-17:00), in UTC.
INSERT INTO sla_policies (priority, display_name, color, first_response_minutes, resolution_minutes,
                          warning_threshold_percent, escalate_to_role, sort_order) VALUES
  ('urgent', 'Urgent', '#DC2626',   15,  120, 75, 'admin', 1),
  ('high',   'High',   '#F59E0B',   60,  480, 75, 'admin', 2),
  ('normal', 'Normal', '#3B82F6',  240, 1440, 80, 'agent', 3),
  ('low',    'Low',    '#6B7280', 1440, 4320, 85, 'agent', 4);

-- Global request types, open to anonymous visitors. Global types route to the
-- platform team (internal); organizations add their own routed types.
INSERT INTO request_types (name, description, category_id, default_routing, default_priority,
                           requires_event, allowed_roles, sort_order)
SELECT v.name, v.description, c.id, 'internal', v.priority, v.requires_event,
       ARRAY['anonymous', 'customer', 'agent', 'admin'], v.sort_order
FROM (VALUES
  ('General question', 'Anything that is not a problem report.',         'general-inquiry', 'normal', false, 1),
  ('Technical issue',  'Something is broken or behaves unexpectedly.',   'technical-issue', 'high',   false, 2),
  ('Billing question', 'Invoices, payments and refunds.',                'billing',         'normal', false, 3),
  ('Event inquiry',    'Questions about a specific upcoming event.',     'general-inquiry', 'normal', true,  4)
) AS v(name, description, category_slug, priority, requires_event, sort_order)
JOIN categories c ON c.slug = v.category_slug AND c.organization_id IS NULL;

-- Custom fields: one of each type, so forms and validation exercise them all.
INSERT INTO field_definitions (field_key, label, description, field_type, is_required, default_value,
                               placeholder, options, validation_rules, sort_order) VALUES
  ('order_reference', 'Order or invoice reference', 'As printed on your invoice', 'text', false, NULL,
   'INV-2024-0001', '[]', '{"min_length": 3, "max_length": 40, "pattern": "^[A-Za-z0-9-]+$"}', 1),
  ('steps_to_reproduce', 'Steps to reproduce', NULL, 'textarea', false, NULL,
   '1. Open ...  2. Click ...', '[]', '{"max_length": 4000}', 2),
  ('occurred_on', 'When did it happen?', NULL, 'date', false, NULL, NULL, '[]', '{}', 3),
  ('product_area', 'Area', NULL, 'dropdown_static', true, 'web',
   NULL, '[{"value": "web", "label": "Web portal"}, {"value": "email", "label": "Email"}, {"value": "mobile", "label": "Mobile app"}, {"value": "other", "label": "Other"}]',
   '{}', 4),
  ('event_ref', 'Event', 'The event your question is about', 'dropdown_dynamic_event', true, NULL,
   NULL, '[]', '{}', 5),
  ('screenshot', 'Screenshot', 'PNG or JPEG, up to 3 files', 'file', false, NULL, NULL, '[]', '{"max_files": 3}', 6),
  ('contact_consent', 'You may contact me by phone', NULL, 'checkbox', false, 'false', NULL, '[]', '{}', 7),
  ('triage_notes', 'Triage notes (staff)', 'Only staff see this field', 'text', false, NULL, NULL, '[]',
   '{"max_length": 500}', 8);

-- Visibility: which fields each type shows, to whom, where.
INSERT INTO field_visibility_rules (field_definition_id, request_type_ids, user_roles, show_on_frontend, show_on_backend)
SELECT f.id,
       ARRAY(SELECT rt.id FROM request_types rt WHERE rt.organization_id IS NULL AND rt.name = ANY (v.types)),
       v.roles, v.frontend, v.backend
FROM (VALUES
  ('order_reference',    ARRAY['Billing question', 'General question'],  '{}'::text[],        true,  true),
  ('steps_to_reproduce', ARRAY['Technical issue'],                       '{}'::text[],        true,  true),
  ('occurred_on',        ARRAY['Technical issue'],                       '{}'::text[],        true,  true),
  ('product_area',       ARRAY['Technical issue'],                       '{}'::text[],        true,  true),
  ('screenshot',         ARRAY['Technical issue'],                       '{}'::text[],        true,  true),
  ('event_ref',          ARRAY['Event inquiry'],                         '{}'::text[],        true,  true),
  ('contact_consent',    ARRAY['Technical issue', 'Billing question', 'General question', 'Event inquiry'],
                                                                         ARRAY['anonymous', 'customer'], true, false),
  ('triage_notes',       '{}'::text[],                                   ARRAY['agent', 'admin'], false, true)
) AS v(field_key, types, roles, frontend, backend)
JOIN field_definitions f ON f.field_key = v.field_key;
