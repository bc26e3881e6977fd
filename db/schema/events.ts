// placeholder, see migrations
export {};
