export default {
  async fetch() {
    return new Response("todo");
  },
} satisfies ExportedHandler<Env>;
