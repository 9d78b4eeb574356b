/* routes.c: every URL of the desk on one screen: method, pattern, handler,
 * and what the dispatcher checks before the handler runs. */
#include "app/app.h"
#include "pages/pages.h"

#define GET METHOD_GET
#define POST METHOD_POST

const route app_routes[] = {
	{ GET, "/", page_home, ROUTE_SESSION },
	{ GET, "/healthz", page_healthz, ROUTE_NO_LOG },
	{ GET, "/metrics", page_metrics, ROUTE_NO_LOG },
	{ GET, "/captcha/challenge", page_captcha_challenge, 0 },
	{ GET, "/submit", page_submit_form, ROUTE_SESSION },
	{ GET, "/submit/fields", page_submit_fields, ROUTE_SESSION },
	{ POST, "/submit", page_submit_post, ROUTE_SESSION },
	{ GET, "/verify/{token}", page_verify_show, ROUTE_SESSION },
	{ POST, "/verify/{token}", page_verify_confirm, ROUTE_SESSION },
	{ POST, "/verify/{token}/renew", page_verify_renew, ROUTE_SESSION },
	{ GET, "/login", page_login_form, ROUTE_SESSION },
	{ POST, "/login", page_login_post, ROUTE_SESSION },
	{ POST, "/login/link", page_login_link_request, ROUTE_SESSION },
	{ GET, "/password/forgot", page_password_forgot_form, ROUTE_SESSION },
	{ POST, "/password/forgot", page_password_forgot_post, ROUTE_SESSION },
	{ GET, "/password/reset/{token}", page_password_reset_form, ROUTE_SESSION },
	{ POST, "/password/reset/{token}", page_password_reset_post, ROUTE_SESSION },
	{ GET, "/login/link/{token}", page_login_link_show, ROUTE_SESSION },
	{ POST, "/login/link/{token}", page_login_link_use, ROUTE_SESSION },
	{ GET, "/my/tickets", page_my_tickets, ROUTE_SIGNED_IN },
	{ GET, "/my/tickets/{number}", page_my_ticket, ROUTE_SIGNED_IN },
	{ POST, "/my/tickets/{number}/reply", page_my_ticket_reply, ROUTE_SIGNED_IN },
	{ POST, "/my/tickets/{number}/close", page_my_ticket_close, ROUTE_SIGNED_IN },
	{ POST, "/my/tickets/{number}/reopen", page_my_ticket_reopen, ROUTE_SIGNED_IN },
	{ GET, "/my/tickets/{number}/rating", page_my_ticket_rating_form, ROUTE_SIGNED_IN },
	{ POST, "/my/tickets/{number}/rating", page_my_ticket_rate, ROUTE_SIGNED_IN },
	{ GET, "/track", page_track_form, ROUTE_SESSION },
	{ POST, "/track", page_track_post, ROUTE_SESSION },
	{ GET, "/attachments/{id}", page_attachment_download, ROUTE_SESSION },
	{ POST, "/logout", page_logout, ROUTE_SESSION | ROUTE_CSRF },
	{ POST, "/logout/everywhere", page_logout_everywhere, ROUTE_SESSION | ROUTE_CSRF },
	{ GET, "/account", page_account, ROUTE_SIGNED_IN },
	{ POST, "/account", page_account_update, ROUTE_SIGNED_IN | ROUTE_CSRF },
	{ POST, "/account/password", page_account_password, ROUTE_SIGNED_IN | ROUTE_CSRF },
	{ POST, "/account/password/link", page_account_password_link, ROUTE_SIGNED_IN | ROUTE_CSRF },
	{ POST, "/account/sessions/{id}/revoke", page_account_session_revoke, ROUTE_SIGNED_IN | ROUTE_CSRF },
	{ GET, "/notifications", page_notifications, ROUTE_SIGNED_IN },
	{ POST, "/notifications/read", page_notifications_read, ROUTE_SIGNED_IN | ROUTE_CSRF },
	/* desk.c: queues, bulk actions, spam */
	{ GET, "/desk", page_desk, ROUTE_STAFF },
	{ POST, "/desk/bulk", page_desk_bulk, ROUTE_STAFF | ROUTE_CSRF },
	{ POST, "/desk/spam/{number}/not-spam", page_desk_spam_not_spam, ROUTE_STAFF | ROUTE_CSRF },
	{ POST, "/desk/spam/{number}/delete", page_desk_spam_delete, ROUTE_STAFF | ROUTE_CSRF },
	/* desk_ticket.c: the handlers check _csrf themselves, to keep the draft */
	{ GET, "/desk/tickets/{number}", page_desk_ticket, ROUTE_STAFF },
	{ POST, "/desk/tickets/{number}/reply", page_desk_ticket_reply, ROUTE_STAFF },
	{ POST, "/desk/tickets/{number}/note", page_desk_ticket_note, ROUTE_STAFF },
	{ POST, "/desk/tickets/{number}/update", page_desk_ticket_update, ROUTE_STAFF },
	{ POST, "/desk/tickets/{number}/merge", page_desk_ticket_merge, ROUTE_STAFF },
	{ POST, "/desk/tickets/{number}/presence", page_desk_ticket_presence, ROUTE_STAFF | ROUTE_NO_LOG },
	{ GET, "/desk/canned", page_desk_canned, ROUTE_STAFF },
	/* end desk_ticket.c */
	/* desk: admin */
	{ GET, "/desk/admin", page_admin_home, ROUTE_ORG_ADMIN },
	{ GET, "/desk/admin/audit", page_admin_audit, ROUTE_ORG_ADMIN },
	{ GET, "/desk/admin/teams", page_admin_teams, ROUTE_ORG_ADMIN },
	{ POST, "/desk/admin/teams", page_admin_team_create, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ GET, "/desk/admin/teams/{id}", page_admin_team, ROUTE_ORG_ADMIN },
	{ POST, "/desk/admin/teams/{id}", page_admin_team_update, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ POST, "/desk/admin/teams/{id}/active", page_admin_team_active, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ POST, "/desk/admin/teams/{id}/members", page_admin_team_members, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ GET, "/desk/admin/members", page_admin_members, ROUTE_ORG_ADMIN },
	{ POST, "/desk/admin/members", page_admin_member_invite, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ POST, "/desk/admin/members/{id}/role", page_admin_member_role, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ POST, "/desk/admin/members/{id}/active", page_admin_member_active, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	{ GET, "/desk/admin/settings", page_admin_settings, ROUTE_ORG_ADMIN },
	{ POST, "/desk/admin/settings", page_admin_settings_save, ROUTE_ORG_ADMIN | ROUTE_CSRF },
	/* end desk: admin */
};

const size_t app_nroutes = sizeof app_routes / sizeof app_routes[0];
