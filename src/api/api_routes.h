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
/* The ticket of the route's {number}, as the key may see it: 1, or 0 with
 * the problem written (404 alike for unknown and foreign). */
int api_ticket_load(req *r, desk_ticket *t);
/* api_messages.c */
int api_messages_list(req *r);
int api_messages_post(req *r);
/* api_config.c */
int api_config(req *r);
int api_openapi(req *r);

#endif
