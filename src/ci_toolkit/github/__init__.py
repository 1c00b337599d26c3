"""The GitHub side the actions share: the one client factory (`client`), the two-hop download
(`downloads`), a run's jobs and a job's log (`jobs`), issues and labels (`issues`), the one
pull-request comment (`comments`), and the permission names (`permissions`). Only
`permissions` may be imported before PyGithub is needed: this package itself imports nothing."""
