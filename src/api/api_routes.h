/* api_routes.h: the REST API's handlers, for src/app/routes.c. */
#ifndef SD_API_ROUTES_H
#define SD_API_ROUTES_H

#include "http/router.h"
#include "model/desk_ticket.h"


/* api_tickets.c */
int api_tickets_list(req *r);
int api_tickets_get(req *r);
int api_tickets_post(req *r);
int api_tickets_patch(req *r);
/* The tickets list of the query's parameters, its next link on path; only
 * the tickets of requester (an address) unless NULL. The caller checks
 * the scope. */
int api_ticket_list(req *r, const char *path, const char *requester);
/* The ticket of the route's {number}, as the key may see it: 1, or 0 with
 * the problem written (404 alike for unknown and foreign). */
int api_ticket_load(req *r, desk_ticket *t);
/* api_messages.c */
int api_messages_list(req *r);
int api_messages_post(req *r);
int api_attachment_get(req *r);
/* api_customers.c */
int api_customers_list(req *r);
int api_customers_post(req *r);
int api_customers_get(req *r);
int api_customer_tickets(req *r);
/* api_config.c */
int api_config(req *r);
int api_openapi(req *r);

#endif
