/* pages.h: every handler, one file per page area. Each answers 0 after
 * building its response, or an HTTP status for the dispatcher's error page. */
#ifndef SD_PAGES_H
#define SD_PAGES_H

#include "http/request.h"
#include "model/attachment.h"

/* home.c */
int page_home(req *r);               /* GET /: 200 */

/* system.c */
int page_healthz(req *r);            /* GET /healthz: 200, or 503 when PostgreSQL or Redis is down */
int page_metrics(req *r);            /* GET /metrics: 200 (nginx allows loopback only) */

/* session.c */
int page_logout(req *r);             /* POST /logout: 303 to /; 403 bad CSRF; 503 Redis down */
int page_logout_everywhere(req *r);  /* POST /logout/everywhere: as /logout, for every session of the user */
int page_captcha_challenge(req *r);  /* captcha.c: GET /captcha/challenge?form=: 200 JSON; 400 unknown form; 429, 503 */
int page_attachment_download(req *r); /* attachments.c: GET /attachments/{id}: 200 streamed; 404 unknown, not visible or not a uuid; 500, 503 */
/* attachments.c: the bytes of attachment id (its meta loaded, visible),
 * streamed a chunk at a time with the headers every download gets (no
 * caching, a sandbox CSP, same-origin); the caller set Content-Type and
 * Content-Disposition. The REST API's download shares it. */
int page_attachment_stream(req *r, const char *id, const attachment_meta *m);

/* submit.c */
int page_submit_form(req *r);        /* GET /submit[?request_type=]: 200; 503 */
int page_submit_fields(req *r);      /* GET /submit/fields?request_type=: 200 fragment; 404 unknown type */
int page_submit_post(req *r);        /* POST /submit: 200 check-your-email, 303 to the ticket (signed in),
                                        403 bad CSRF, 422 form errors, 413, 429, 503 */

/* Queues the email with a verification link for token (submit.c). 0 or status. */
int page_send_verification(req *r, const char *email, const char *name, const char *title, const char *token);

/* verify.c */
int page_verify_show(req *r);        /* GET /verify/{token}: 200 confirm button; 404 unknown; 410 used/expired/locked */
int page_verify_confirm(req *r);     /* POST /verify/{token}: 303 to the ticket; 403, 404, 410, 429, 503 */
int page_verify_renew(req *r);       /* POST /verify/{token}/renew: 200 new link sent; 403, 404, 410, 429, 503 */

/* login_link.c */
int page_login_link_show(req *r);    /* GET /login/link/{token}: 200 sign-in button; 410 used or expired; 429, 503 */
int page_login_link_use(req *r);     /* POST /login/link/{token}: 303 where the link leads; 403, 410, 429, 503 */

/* login.c */
int page_login_form(req *r);         /* GET /login[?next=]: 200 the form; 303 on when signed in already; 503 */
int page_login_post(req *r);         /* POST /login: 303 to next, /desk (staff) or /my/tickets; 403 bad CSRF;
                                        422 form errors or wrong credentials (one answer); 429, 503 */
int page_login_link_request(req *r); /* POST /login/link: 200 check-your-email (known or not); 403, 422, 429, 503 */
/* A path of this site only: "/..." but never "//host", "/\host", a control
 * character or a backslash anywhere; at most 2048 bytes. */
bool page_local_path(const char *p);
/* Signs the browser in as the acting user (page_act_as first), who proved
 * who they are (email_proved: by a link sent to their address): a new
 * session, remembered when asked for a customer, and a 303 to next when it
 * is a local path, else the user's home (/desk or /my/tickets).
 * *refused when the account may not sign in (deactivated): nothing is
 * answered then, and the acting user is the browser's again. 0 or status. */
int page_signin_finish(req *r, bool email_proved, bool remember, const char *next, bool *refused);
/* The "check your email" page of a link request: kind is "is_signin" or
 * "is_reset". */
int page_auth_sent(req *r, const char *kind, const char *email, int minutes);

/* password.c */
int page_password_forgot_form(req *r); /* GET /password/forgot[?email=]: 200 */
int page_password_forgot_post(req *r); /* POST /password/forgot: 200 check-your-email (known or not); 403, 422, 429, 503 */
int page_password_reset_form(req *r);  /* GET /password/reset/{token}: 200 the form; 410 used, replaced or expired; 429, 503 */
int page_password_reset_post(req *r);  /* POST /password/reset/{token}: 303 home, signed in, every other session ended;
                                          403, 410, 422 (the link stays good), 429, 503 */
/* Emails user_id a one-time link to choose a password (a newer one replaces
 * it), for "forgot password" and the account page's "set a password".
 * user_id NULL: an address without an active account, which gets the same
 * work and no email. 0, or the status to answer (500, 503). */
int page_send_password_link(req *r, const char *user_id, const char *email);
/* The view of an email with a link to choose a password for user_id (NULL:
 * a decoy's): site_name, link, minutes; a new link replaces the user's
 * earlier one. 0, or 503 when Redis is down. */
int page_password_link_view(req *r, const char *user_id, tv **view);
/* Why a new password is refused (a sentence for the form), or NULL: at
 * least 10 characters, at most 1024 bytes. */
const char *page_password_problem(str password);

/* my_tickets.c: the customer portal; signed in (else 303 to /login). A
 * ticket that is not the customer's answers 404 to the page and every action. */
int page_my_tickets(req *r);         /* GET /my/tickets?status=&q=&after=: 200; 400 unknown status, bad cursor */
int page_my_ticket(req *r);          /* GET /my/tickets/{number}: 200 for its requester, else 404 */
int page_my_ticket_reply(req *r);    /* POST .../reply: 303 to the message; 403 bad CSRF, 404, 409 closed,
                                        413, 422 form errors, 429, 503 */
int page_my_ticket_close(req *r);    /* POST .../close: 303 to the ticket; 403, 404, 409 closed already */
int page_my_ticket_reopen(req *r);   /* POST .../reopen: 303 to the ticket; 403, 404, 409 not done or past the window */
int page_my_ticket_rating_form(req *r); /* GET .../rating[?rating=N]: 200 (records nothing); 404 */
int page_my_ticket_rate(req *r);     /* POST .../rating: 303 to the ticket; 403, 404, 409 rated already or
                                        not resolved, 422 */

/* track.c: guest access */
int page_track_form(req *r);         /* GET /track: 200 */
int page_track_post(req *r);         /* POST /track: 200 the same page whether or not the pair matched;
                                        403 bad CSRF, 422 form errors, 429, 503 */

/* account.c (signed in only: others go to /login?next=) */
int page_account(req *r);            /* GET /account: 200 */
int page_account_update(req *r);     /* POST /account: 303 to /account; 422 form errors; 403, 503 */
int page_account_password(req *r);   /* POST /account/password: 303 (other sessions end, this one gets a new id);
                                        422 wrong current password or a bad new one; 403, 429, 503 */
int page_account_password_link(req *r); /* POST /account/password/link: 303, the set-a-password email sent;
                                        404 when the sign-in area is not built in; 403, 429, 503 */
int page_account_session_revoke(req *r); /* POST /account/sessions/{id}/revoke: 303; 404 not one of the user's; 403, 503 */

/* notifications.c (signed in only) */
int page_notifications(req *r);      /* GET /notifications[?after=]: 200; 400 bad cursor */
int page_notifications_read(req *r); /* POST /notifications/read: 303 back; 403, 503 */

/* desk.c: the support desk's queues, bulk actions and spam view (ROUTE_STAFF:
 * visitors go to /login?next=, customers get 404) */
int page_desk(req *r);               /* GET /desk?queue=&status=&priority=&assignee=&team=&category=&type=&tag=&q=
                                        &sort=&dir=&org=&after=: 200; 400 a value not allowed or a bad cursor */
int page_desk_bulk(req *r);          /* POST /desk/bulk: 303 back to the queue with what changed and what was
                                        refused; 400 unknown action or value, 403 bad CSRF, 413 over 100 tickets */
int page_desk_spam_not_spam(req *r); /* POST /desk/spam/{number}/not-spam: 303 back; 404 not visible; 403 */
int page_desk_spam_delete(req *r);   /* POST /desk/spam/{number}/delete: 303 back; 404 not visible; 403 */
/* desk_ticket.c: the ticket workspace (ROUTE_STAFF: visitors to /login,
 * customers 404). A ticket the user does not work answers 404 everywhere. */
int page_desk_ticket(req *r);        /* GET /desk/tickets/{number}: 200; 404 */
int page_desk_ticket_reply(req *r);  /* POST .../reply: 303 to the message; 403 bad CSRF (draft kept), 404,
                                        409 stale version (changes listed, draft kept), 413, 422, 503 */
int page_desk_ticket_note(req *r);   /* POST .../note: as reply; @mentions notified; no version check */
int page_desk_ticket_update(req *r); /* POST .../update: 303; 403, 404, 409 stale, 422 refused values */
int page_desk_ticket_merge(req *r);  /* POST .../merge: 303 to the target; 403, 404, 422 refused target */
int page_desk_ticket_time(req *r);   /* POST .../time: 303 to the time panel; 403, 404, 422 */
int page_desk_ticket_time_remove(req *r); /* POST .../time/{id}/remove: 303; 403, 404 */
int page_desk_ticket_presence(req *r); /* POST .../presence: 200 JSON {version, others}; 403, 404, 503 */
/* desk_stage.c (workflows): the stage move and the versioned history. */
int page_desk_ticket_stage(req *r);   /* POST .../stage (stage, version, _csrf): 303; 403, 404, 409 stale, 422 */
int page_desk_ticket_history(req *r); /* GET .../history[?at=<entry>]: 200; 404 (ticket or entry) */
int page_desk_canned(req *r);        /* GET /desk/canned?q=: 200 JSON; 400 not a shortcut prefix */
/* admin.c, admin_teams.c, admin_members.c, admin_settings.c: the
 * organization admin pages. ROUTE_ORG_ADMIN: 404 for anyone who
 * administers no organization, /login?next= for visitors. `org` (a slug,
 * in the query or the form) names the organization; one the user does not
 * administer answers 404. POSTs: 403 bad CSRF, 303 back with a notice. */
int page_admin_home(req *r);          /* GET /desk/admin[?org=]: 200 sections (and the chooser); 404 */
int page_admin_audit(req *r);         /* GET /desk/admin/audit?org=&after=: 200; 400 bad cursor; 404 */
/* admin_types.c, admin_fields.c (404: not the organization's type or field). */
int page_admin_types(req *r);          /* GET /desk/admin/types?org=: 200 */
int page_admin_type_create(req *r);    /* POST /desk/admin/types: 303 to the type; 422 */
int page_admin_type(req *r);           /* GET /desk/admin/types/{id}: 200; 404 */
int page_admin_type_update(req *r);    /* POST /desk/admin/types/{id}: 303; 404; 422 */
int page_admin_type_move(req *r);      /* POST .../move (direction=up|down): 303; 400; 404 */
int page_admin_type_remove(req *r);    /* POST .../remove: 303 deleted, or deactivated when tickets use it; 404 */
int page_admin_type_preview(req *r);   /* GET .../preview?role=: 200 the public form's fields; 400 role; 404 */
int page_admin_fields(req *r);         /* GET /desk/admin/fields?org=&type=: 200; 404 type */
int page_admin_field_create(req *r);   /* POST /desk/admin/fields: 303 to the field; 422 (bad key, regex, taken) */
int page_admin_field(req *r);          /* GET /desk/admin/fields/{id}: 200; 404 */
int page_admin_field_update(req *r);   /* POST /desk/admin/fields/{id}: 303; 404; 422 */
int page_admin_field_remove(req *r);   /* POST .../remove: 303 deleted, or deactivated when tickets use it; 404 */
int page_admin_field_activate(req *r); /* POST .../activate: 303; 404 */
/* admin_events.c (404: not the organization's event) */
int page_admin_events(req *r);          /* GET /desk/admin/events?org=&after=: 200; 400 bad cursor */
int page_admin_event_create(req *r);    /* POST /desk/admin/events: 303; 422 (name, times, end before start) */
int page_admin_event(req *r);           /* GET .../events/{id}?org=: 200; 404 */
int page_admin_event_update(req *r);    /* POST .../events/{id}: 303; 404; 422 */
int page_admin_event_remove(req *r);    /* POST .../events/{id}/remove: 303 (deleted, or deactivated when in use); 404 */
/* admin_api_keys.c: GET /desk/admin/api-keys (200), POST (200 with the
 * new key shown once; 422 bad input), POST .../{id}/revoke (303; 404 not
 * the organization's). */
int page_admin_api_keys(req *r);
int page_admin_api_key_create(req *r);
int page_admin_api_key_revoke(req *r);
int page_admin_teams(req *r);         /* GET /desk/admin/teams?org=: 200 */
int page_admin_team_create(req *r);   /* POST /desk/admin/teams: 303 to the team; 422 name missing or taken */
int page_admin_team(req *r);          /* GET /desk/admin/teams/{id}?org=: 200; 404 not the org's team */
int page_admin_team_update(req *r);   /* POST /desk/admin/teams/{id}: 303; 404; 422 */
int page_admin_team_active(req *r);   /* POST .../{id}/active (active=0|1): 303; 400; 404 */
/* admin_workflows.c (workflows) */
int page_admin_workflows(req *r);          /* GET /desk/admin/workflows?org=: 200 */
int page_admin_workflow_create(req *r);    /* POST /desk/admin/workflows: 303; 422 */
int page_admin_workflow(req *r);           /* GET /desk/admin/workflows/{id}: 200; 404 */
int page_admin_workflow_update(req *r);    /* POST /desk/admin/workflows/{id}: 303; 404; 422 */
int page_admin_workflow_stage_add(req *r); /* POST .../{id}/stages: 303; 404; 422 (kind taken) */
int page_admin_workflow_stage(req *r);     /* POST .../{id}/stages/{stage} action=save|up|down|remove: 303; 400; 404; 409 in use; 422 */
int page_admin_workflow_hook_add(req *r);  /* POST .../{id}/hooks: 303; 404; 422 */
int page_admin_workflow_hook(req *r);      /* POST .../{id}/hooks/{hook} action=save|remove: 303; 400; 404; 422 */
int page_admin_team_members(req *r);  /* POST .../{id}/members (member, action=add|remove): 303; 400; 404; 422 */
int page_admin_members(req *r);       /* GET /desk/admin/members?org=&after=: 200; 400 */
int page_admin_member_invite(req *r); /* POST /desk/admin/members (email, name, role): 303, email sent; 422 */
int page_admin_member_role(req *r);   /* POST .../members/{id}/role: 303; 404; 409 last admin; 422 */
int page_admin_member_away(req *r);   /* POST .../members/{id}/away (away=0|1): 303; 400; 404 */
int page_admin_member_active(req *r); /* POST .../members/{id}/active (active=0|1): 303 (sessions ended,
                                         tickets unassigned); 400; 404; 409 last admin; 503 */
/* admin_categories.c */
int page_admin_categories(req *r);       /* GET /desk/admin/categories?org=: 200 */
int page_admin_category_create(req *r);  /* POST /desk/admin/categories: 303; 422 bad input or slug taken */
int page_admin_category(req *r);         /* GET .../categories/{id}?org=: 200; 404 */
int page_admin_category_update(req *r);  /* POST .../categories/{id}: 303; 404; 422 */
int page_admin_category_move(req *r);    /* POST .../{id}/move (dir=up|down): 303; 400; 404 */
int page_admin_category_delete(req *r);  /* POST .../{id}/delete: 303 (deleted, or deactivated when in use); 404 */
/* admin_sla.c (404: not the organization's policy) */
int page_admin_sla(req *r);             /* GET /desk/admin/sla?org=: 200 a row per priority */
int page_admin_sla_create(req *r);      /* POST /desk/admin/sla: 303 to the policy (due times recomputed); 422 */
int page_admin_sla_policy(req *r);      /* GET .../sla/{id}?org=: 200; 404 */
int page_admin_sla_update(req *r);      /* POST .../sla/{id}: 303 (due times recomputed); 404; 422 */
int page_admin_sla_delete(req *r);      /* POST .../{id}/delete: 303 deleted, or deactivated when tickets used it; 404 */
/* admin_automation.c (0037): triggers, time rules, macros. Each: the list
 * (GET: 200), create (POST: 303; 422; 200 with more rows for "more"), one
 * (GET .../{id}: 200; 404), update (POST .../{id}: 303; 404; 422), move
 * (dir), active (active=1|0) and delete (POST: 303; 400; 404). */
int page_admin_trigger_list(req *r);
int page_admin_trigger_create(req *r);
int page_admin_trigger(req *r);
int page_admin_trigger_update(req *r);
int page_admin_trigger_move(req *r);
int page_admin_trigger_active(req *r);
int page_admin_trigger_delete(req *r);
int page_admin_rule_list(req *r);
int page_admin_rule_create(req *r);
int page_admin_rule(req *r);
int page_admin_rule_update(req *r);
int page_admin_rule_move(req *r);
int page_admin_rule_active(req *r);
int page_admin_rule_delete(req *r);
int page_admin_macro_list(req *r);
int page_admin_macro_create(req *r);
int page_admin_macro(req *r);
int page_admin_macro_update(req *r);
int page_admin_macro_move(req *r);
int page_admin_macro_active(req *r);
int page_admin_macro_delete(req *r);

/* desk_macro.c (0037): GET /desk/tickets/{number}/macro?macro=: the
 * preview, 200; 404. POST .../macro (macro, _csrf): 303 to the ticket; 404;
 * 409 when its reply could not be posted. */
int page_desk_ticket_macro_preview(req *r);
int page_desk_ticket_macro(req *r);
/* admin_webhooks.c (webhooks) */
int page_admin_webhooks(req *r);         /* GET /desk/admin/webhooks?org=: 200 */
int page_admin_webhook_create(req *r);   /* POST /desk/admin/webhooks: 201 with the secret once; 422 bad input */
int page_admin_webhook(req *r);          /* GET .../webhooks/{id}?org=: 200; 404 */
int page_admin_webhook_update(req *r);   /* POST .../webhooks/{id}: 303; 404; 422 */
int page_admin_webhook_rotate(req *r);   /* POST .../webhooks/{id}/rotate: 200 with the new secret once; 404 */
int page_admin_webhook_test(req *r);     /* POST .../webhooks/{id}/test: 303; 404 */
int page_admin_webhook_delete(req *r);   /* POST .../webhooks/{id}/delete: 303; 404 */

/* admin_canned.c */
int page_admin_canned_list(req *r);      /* GET /desk/admin/canned?org=&after=: 200; 400 bad cursor */
int page_admin_canned_create(req *r);    /* POST /desk/admin/canned: 303; 422 bad input or shortcut taken */
int page_admin_canned(req *r);           /* GET .../canned/{id}?org=: 200; 404 */
int page_admin_canned_update(req *r);    /* POST .../canned/{id}: 303; 404; 422 */
int page_admin_canned_delete(req *r);    /* POST .../canned/{id}/delete: 303; 404 */

/* admin_templates.c and desk_templates.c: ticket templates and recurring tickets */
int page_admin_templates(req *r);         /* GET /desk/admin/templates?org=&after=: 200; 400 bad cursor */
int page_admin_template_create(req *r);   /* POST /desk/admin/templates: 303; 422 bad input or name taken */
int page_admin_template(req *r);          /* GET .../templates/{id}?org=: 200; 404 */
int page_admin_template_update(req *r);   /* POST .../templates/{id}: 303; 404; 422 */
int page_admin_template_active(req *r);   /* POST .../templates/{id}/active (active=1|0): 303; 400; 404 */
int page_admin_template_delete(req *r);   /* POST .../templates/{id}/delete: 303; 404 */
int page_admin_template_run(req *r);      /* POST .../templates/{id}/run: 303 to the new ticket; 404 */
int page_desk_templates(req *r);          /* GET /desk/templates?after=: 200; 400 bad cursor */
int page_desk_template_use(req *r);       /* POST /desk/templates/{id}/use: 303 to the new ticket; 404 */
/* admin_blocks.c: rate-limit counters at their limit (see the file for who sees which) */
int page_admin_blocks(req *r);          /* GET /desk/admin/blocks?org=&cursor=: 200; 400 bad cursor; 503 Redis */
int page_admin_block_lift(req *r);      /* POST /desk/admin/blocks/lift (key): 303; 400 bad key; 404 not theirs; 503 */
/* platform.c, platform_orgs.c, platform_users.c, platform_settings.c: the
 * platform admin pages. ROUTE_PLATFORM_ADMIN: 404 for anyone but a
 * platform admin, /login?next= for visitors. POSTs: 403 bad CSRF (nothing
 * changed), 303 back with a notice, 422 bad input (messages by the fields,
 * the input kept). */
int page_platform_home(req *r);          /* GET /admin: 200 */
int page_platform_orgs(req *r);          /* GET /admin/organizations?after=: 200; 400 bad cursor */
int page_platform_org_create(req *r);    /* POST /admin/organizations (name, slug, prefix): 303 to it; 422 */
int page_platform_org(req *r);           /* GET /admin/organizations/{id}: 200; 404 */
int page_platform_org_provision(req *r); /* POST .../{id}/provision (email, name): 303, invitation sent; 404;
                                            409 the platform's; 422; 503 */
int page_platform_org_active(req *r);    /* POST .../{id}/active (active=0|1): 303 (sessions ended); 400; 404;
                                            409 the platform's; 503 */
int page_platform_users(req *r);         /* GET /admin/users?q=&after=: 200; 400 */
int page_platform_user_role(req *r);     /* POST /admin/users/{id}/role (platform_role=admin|agent|none, q): 303;
                                            404; 409 the last platform admin; 422; 503 */
int page_platform_user_active(req *r);   /* POST /admin/users/{id}/active (active=0|1, q): 303 (sessions ended);
                                            400; 404; 409 the last platform admin; 503 */
int page_platform_settings(req *r);      /* GET /admin/settings: 200 */
int page_platform_settings_save(req *r); /* POST /admin/settings: 303; 422 */
int page_platform_audit(req *r);         /* GET /admin/audit?org=&after=: 200; 400 bad cursor; 404 unknown org */
int page_admin_settings(req *r);      /* GET /desk/admin/settings?org=: 200 */
int page_admin_settings_save(req *r); /* POST /desk/admin/settings: 303; 409 no settings row; 422 */

/* reports.c (?from=&to=&org=&team=&agent=) */
int page_reports(req *r);             /* GET /desk/reports: 200; 400; 404 an org not the user's */
int page_report(req *r);              /* GET /desk/reports/{sla,agents,volume,csat}[.csv]: 200; 400 a bad date
                                         range (the page re-rendered with a message) or filter; 404 */

#endif
