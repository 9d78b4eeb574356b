/* render_cli.h: `supportdesk render DIR NAME DATA.json`, for the spec tests and template debugging. */
#ifndef SD_RENDER_CLI_H
#define SD_RENDER_CLI_H

/* argv[0] is "render". Writes the rendered bytes to stdout unchanged.
 * Exit status: 0 ok; 1 syntax error, missing template, bad JSON or render
 * error (message on stderr); 2 usage. */
int tmpl_render_cli(int argc, char **argv);

#endif
