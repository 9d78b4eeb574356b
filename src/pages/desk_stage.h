/* desk_stage.h: workflows in the ticket workspace (desk_stage.c): the
 * stage block of /desk/tickets/{number}, the stage move and the history. */
#ifndef SD_PAGES_DESK_STAGE_H
#define SD_PAGES_DESK_STAGE_H

#include "app/page.h"
#include "model/desk_ticket.h"

/* Sets `stage` in the workspace's view (nothing when the ticket follows no
 * workflow) and `history_href`. 0, or -1 on a database failure. */
int desk_stage_view(req *r, tv *v, const desk_ticket *t);

/* desk_ticket.c: the workspace of the route's ticket with a refusal, for a
 * refused stage move (409 stale, 422 not a stage of its workflow). */
int desk_ticket_show_refused(req *r, int status, const char *refusal);

#endif
