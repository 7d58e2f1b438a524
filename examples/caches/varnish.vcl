# Varnish in front of express-signed-downloads: only the stable links
# (serveSignedDownload({ sharedCache: true }) mounted at /thumbs/) are looked up
# in the cache; everything else is passed to the app as it came. Without the
# pass, Varnish fetches a private link's Range from byte 0 and turns HEAD into
# GET (which spends a maxUses link). The builtin VCL runs after this, so the
# app's Cache-Control decides what is kept, and for how long.
# The tests fill in {{APP_PORT}}.
vcl 4.1;

backend default {
  .host = "127.0.0.1";
  .port = "{{APP_PORT}}";
}

sub vcl_recv {
  if (req.url !~ "^/thumbs/") {
    return (pass);
  }
}
