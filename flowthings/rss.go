package flowthings

// RSSService is the /rss service: RSS import tasks. Members: url, favicon, icon,
// category, isFeatured, destination, plus the task members.
//
// It has every operation of Service.
type RSSService struct{ *Service }
