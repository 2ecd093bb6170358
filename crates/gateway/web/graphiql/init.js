// Starts GraphiQL on this origin: queries and mutations over POST /graphql,
// subscriptions over this origin's WebSocket (graphql-transport-ws), the
// access token sent in connection_init as the server expects.
//
// The web app's "GraphiQL" link passes the access token in the URL fragment
// (#access_token=…), which never reaches a server; it becomes the
// Authorization header of the Headers tab and is removed from the address
// bar. Headers are not persisted (no token in localStorage).
(function () {
  'use strict';
  var token = null;
  var match = /(?:^#|&)access_token=([^&]+)/.exec(window.location.hash);
  if (match) {
    token = decodeURIComponent(match[1]);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  // The headers of the latest request, as typed in the Headers tab: the
  // WebSocket takes its token from them when it (re)connects.
  var latestHeaders = token ? { Authorization: 'Bearer ' + token } : {};
  var bearerOf = function (headers) {
    var value = (headers && (headers.Authorization || headers.authorization)) || '';
    return value.replace(/^Bearer\s+/i, '');
  };
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var base = GraphiQL.createFetcher({
    url: window.location.origin + '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql',
    wsConnectionParams: function () {
      var bearer = bearerOf(latestHeaders);
      return bearer ? { accessToken: bearer } : {};
    },
  });
  var fetcher = function (params, options) {
    if (options && options.headers) latestHeaders = options.headers;
    return base(params, options);
  };
  var props = {
    fetcher: fetcher,
    defaultQuery: '{ me { displayName } }\n',
    shouldPersistHeaders: false,
  };
  if (token) {
    props.headers = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
